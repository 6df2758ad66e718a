import type { LoggedEvent } from '../../events/event-stream.js'
import type { ServerEventName } from '../../events/server-event.js'
import type { EventFields } from '../scenario.js'
import { fillTemplate } from '../template.js'
import type { StepContext } from './step-context.js'

export function fillFields(where: EventFields, ctx: StepContext): Array<readonly [string, string]> {
  return Object.entries(where).map(([key, value]) => [key, fillTemplate(String(value), ctx)] as const)
}

const field = (event: LoggedEvent<ServerEventName>, key: string): string => String((event as unknown as Record<string, unknown>)[key])

export function matcher(where: EventFields, ctx: StepContext): (event: LoggedEvent<ServerEventName>) => boolean {
  const wanted = fillFields(where, ctx)
  return (event) => wanted.every(([key, value]) => field(event, key) === value)
}

export const describeEvent = (name: string, fields: ReadonlyArray<readonly [string, string]>): string =>
  fields.length === 0 ? name : `${name} where ${fields.map(([key, value]) => `${key}=${value}`).join(', ')}`

/**
 * What a timed-out `wait_event` saw instead: the events of that name that came closest (fewest fields off,
 * each shown with what it had), or, when none of that name came at all, the last events logged.
 */
export function nearestEvents(seen: readonly LoggedEvent<ServerEventName>[], name: string, wanted: ReadonlyArray<readonly [string, string]>): string {
  const named = seen.filter((e) => e.event === name)
  if (named.length === 0) {
    const last = seen.slice(-5).map((e) => e.event)
    return `no ${name} event${last.length > 0 ? `; the last events were ${last.join(', ')}` : ' and no other event'}`
  }
  const scored = named.map((event) => ({ event, off: wanted.filter(([key, value]) => field(event, key) !== value) }))
  scored.sort((a, b) => a.off.length - b.off.length)
  const shown = scored.slice(0, 3).map(({ event, off }) => `${name} with ${off.map(([key, value]) => `${key}=${field(event, key)} (not ${value})`).join(', ')}`)
  const more = named.length > 3 ? `; ${named.length - 3} more` : ''
  return `${shown.join('; ')}${more}`
}


export const fieldsLabel = (where: EventFields): string =>
  Object.keys(where).length === 0 ? '' : ` {${Object.entries(where).map(([k, v]) => `${k}: ${v}`).join(', ')}}`
