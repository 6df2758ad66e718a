import type { ServerEventName } from '../../events/server-event.js'
import type { EventFields, StepBase } from '../scenario.js'
import { eventAndFields } from './event-step-body.js'
import { fieldsLabel, matcher } from './event-match.js'
import { serverEvents, StepFailed } from './step-context.js'
import { wireDisagreement } from './wire-agreement.js'
import { eventBody, ref } from './step-schema.js'
import { STEP_OPTIONS, type StepKind } from './step-kind.js'

export interface ExpectEventsStep extends StepBase {
  kind: 'expect_events'
  event: ServerEventName
  where: EventFields
  /** Exactly this many; at least one when not given. */
  count?: number
}

/** `expect_events: { event: client_rejected, count: 1 }`: the server has logged exactly (or at least one) such. */
export const expectEventsStep: StepKind<ExpectEventsStep> = {
  kind: 'expect_events',
  schema: eventBody({ count: ref('count') }),
  parse(body, { base, refs }) {
    const e = body.entries(['event', 'where', 'count', ...STEP_OPTIONS])
    const countCursor = e.get('count')
    const count = countCursor?.number()
    if (count !== undefined && (!Number.isInteger(count) || count < 0)) countCursor!.fail('a whole number, 0 or more')
    return [{ ...base, kind: 'expect_events', ...eventAndFields(e, body, refs), count }]
  },
  checks: () => true,
  label: (step) => `expect ${step.count ?? '≥1'} × ${step.event}${fieldsLabel(step.where)}`,
  async run(step, ctx, { signal }) {
    const events = serverEvents(ctx, step.event, step.where)
    const match = matcher(step.where, ctx)
    const wanted = step.count ?? 1
    // Wait until the events can all have been logged, then count: exactly `count`, or at least one.
    if (wanted > 0) await events.waitFor(step.event, match, wanted, signal)
    const all = events.all(step.event, match)
    const found = all.length
    const disagreement = await wireDisagreement(ctx, all, signal)
    if (disagreement) throw new StepFailed(disagreement)
    if (step.count !== undefined && found !== step.count) {
      throw new StepFailed(`${found} ${step.event} events`, `${step.count}`, `${found}`)
    }
    return `${found} found`
  },
}

declare module './step.js' {
  interface StepTypes {
    expect_events: ExpectEventsStep
  }
}
