import { SERVER_EVENT_NAMES, type ServerEventName } from '../../events/server-event.js'
import type { Milestone, RelayAction } from '../../relay/link-relay.js'
import { regexSource } from '../../values/regex-source.js'
import { describeLink, LINK_KEYS, NO_CONDITIONS, parseLink } from '../../relay/link-spec.js'
import { formatSize, parseSize } from '../../values/byte-size.js'
import type { EventFields, StepBase } from '../scenario.js'
import { parseFields, type References } from '../step-values.js'
import { suggestion } from '../../values/suggestion.js'
import type { YamlCursor } from '../../values/yaml-cursor.js'
import { fieldsLabel, matcher } from './event-match.js'
import { connected, say, serverEvents, StepFailed } from './step-context.js'
import { STEP_OPTIONS, type StepKind } from './step-kind.js'
import { ref, stepMap } from './step-schema.js'

/** When a `link` step acts: at once, once the connection has carried so many bytes, or on a server event. */
export type LinkMoment = { at: 'now' } | ({ at: 'bytes' } & Milestone) | { at: 'event'; event: ServerEventName; where: EventFields }

export interface LinkStep extends StepBase {
  kind: 'link'
  client: string
  /** New conditions (replacing the client's), or a reset of its connection. */
  action: RelayAction
  when: LinkMoment
}

/**
 * `link: { client: b, down: { slicer: { size: 100, delay: 5ms } } }` replaces b's conditions (for its
 * connection now and its next ones); `clear: true` removes them; `reset: true` resets its connection both
 * ways. With `when: { bytes: 4MiB }` (or `{ bytes: …, direction: down }`) or `when: { event:
 * transfer_started, where: { client: Client02 } }`, or `when: { match: "Server is full", direction: down }` (a
 * regex on what the connection carries, UTF-8), the step arms the action and the scenario goes on; the
 * action fires at that milestone, and the reports say when.
 */
export const linkStep: StepKind<LinkStep> = {
  kind: 'link',
  setsStage: true,
  schema: stepMap(
    {
      client: ref('client'),
      clear: { const: true },
      reset: { const: true },
      when: {
        type: 'object',
        additionalProperties: false,
        properties: { bytes: { type: ['string', 'number'] }, match: { type: 'string' }, direction: { enum: ['up', 'down'] }, event: { enum: [...SERVER_EVENT_NAMES] }, where: { type: 'object' } },
      },
      ...Object.fromEntries(LINK_KEYS.map((key) => [key, {}])),
    },
    ['client'],
  ),
  parse(body, { base, client, refs }) {
    const e = body.entries(['client', 'clear', 'reset', 'when', ...LINK_KEYS, ...STEP_OPTIONS])
    const name = client(e.get('client') ?? body.fail('a `client`'))
    const flag = (key: string) => {
      const cursor = e.get(key)
      if (cursor && cursor.scalar() !== true) cursor.fail('true')
      return cursor !== undefined
    }
    const [clear, reset] = [flag('clear'), flag('reset')]
    const conditions = LINK_KEYS.some((key) => e.has(key))
    if (Number(clear) + Number(reset) + Number(conditions) !== 1) body.fail('one of: conditions (latency, bandwidth, slicer, …, up, down), `clear: true` or `reset: true`')
    const action: RelayAction = reset ? { reset: true } : { set: clear ? NO_CONDITIONS : parseLink(body, ['client', 'when', ...STEP_OPTIONS]) }
    const whenCursor = e.get('when')
    return [{ ...base, kind: 'link', client: name, action, when: whenCursor ? parseMoment(whenCursor, refs) : { at: 'now' } }]
  },
  label: (step) => `link ${step.client}: ${'reset' in step.action ? 'reset' : describeLink(step.action.set)}${momentLabel(step.when)}`,
  async run(step, ctx) {
    // Conditions given while the client has no connection are those its next one starts with.
    const idle = !ctx.agents.get(step.client)?.agent.running
    if (idle && 'set' in step.action && step.when.at === 'now') {
      ctx.links.set(step.client, step.action.set)
      return `${describeLink(step.action.set)}, from its next connection`
    }
    const { agent } = connected(ctx, step.client)
    const link = ctx.run.links.of(agent)
    const what = 'reset' in step.action ? 'reset' : describeLink(step.action.set)
    const act = async () => {
      if ('set' in step.action) ctx.links.set(step.client, step.action.set)
      if ('reset' in step.action) return `${await link.reset()} connection(s) reset`
      await link.set(step.action.set)
      return what
    }
    if (step.when.at === 'now') {
      say(ctx, { from: step.client, to: step.client, text: `link: ${what}` })
      const done = await act()
      if ('reset' in step.action && done.startsWith('0 ')) throw new StepFailed(`${step.client} had no connection to reset`, '1 connection reset', '0')
      return done
    }
    // Armed: the scenario goes on, and the action fires at its milestone (noted in the diagram when it does).
    const fired = (detail: string) => say(ctx, { from: step.client, to: step.client, text: `milestone (${detail}): link ${what}` })
    if (step.when.at === 'bytes') {
      const { at: _, ...milestone } = step.when
      if (!milestone.direction) delete milestone.direction
      const matching = 'match' in milestone ? `/${milestone.match}/` : undefined
      void link.when(milestone, step.action).then(
        (reached) => {
          if ('set' in step.action) ctx.links.set(step.client, step.action.set)
          fired(matching ? `${matching} crossed, after ${formatSize(reached.bytes)}` : `${formatSize(reached.bytes)} carried`)
        },
        () => undefined,
      )
      return `armed: ${matching ? `on ${matching}` : `at ${formatSize((milestone as { bytes: number }).bytes)}`}${milestone.direction ? ` ${milestone.direction}` : ''}`
    }
    const { event, where } = step.when
    const events = serverEvents(ctx, event, where)
    void events.waitFor(event, matcher(where, ctx), 1, ctx.signal).then(
      async () => {
        fired(`${event}${fieldsLabel(where)}`)
        await act()
      },
      () => undefined,
    )
    return `armed: on ${event}`
  },
}

function parseMoment(cursor: YamlCursor, refs: References): LinkMoment {
  const e = cursor.entries(['bytes', 'match', 'direction', 'event', 'where'])
  const given = ['bytes', 'match', 'event'].filter((k) => e.has(k))
  if (given.length > 1) e.get(given[1]!)!.fail('one of `bytes`, `match` or `event`')
  const matchCursor = e.get('match')
  if (matchCursor) return { at: 'bytes', match: regexSource(matchCursor), direction: e.get('direction')?.oneOf(['up', 'down']) }
  const eventCursor = e.get('event')
  if (eventCursor) {
    const name = eventCursor.string()
    if (!(SERVER_EVENT_NAMES as readonly string[]).includes(name)) eventCursor.fail(`one of ${SERVER_EVENT_NAMES.join(', ')}`, suggestion(name, SERVER_EVENT_NAMES))
    const event = name as ServerEventName
    return { at: 'event', event, where: parseFields(e.get('where'), event, refs) }
  }
  const bytesCursor = e.get('bytes') ?? cursor.fail('`bytes` (carried by the connection), `match` (a regex on what it carries) or `event` (logged by the server)')
  const bytes = parseSize(bytesCursor.scalar() as string | number)
  if (bytes === undefined || bytes < 1) return bytesCursor.fail('a size such as 4MiB or a number of bytes')
  return { at: 'bytes', bytes, direction: e.get('direction')?.oneOf(['up', 'down']) }
}

function momentLabel(when: LinkMoment): string {
  if (when.at === 'now') return ''
  if (when.at === 'bytes' && 'match' in when) return ` when /${when.match}/ crosses${when.direction ? ` ${when.direction}` : ''}`
  if (when.at === 'bytes') return ` when ${formatSize(when.bytes)}${when.direction ? ` ${when.direction}` : ''} carried`
  return ` on ${when.event}${fieldsLabel(when.where)}`
}

declare module './step.js' {
  interface StepTypes {
    link: LinkStep
  }
}
