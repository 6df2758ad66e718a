import type { ServerEventName } from '../../events/server-event.js'
import type { EventFields, StepBase } from '../scenario.js'
import { eventAndFields } from './event-step-body.js'
import { describeEvent, fieldsLabel, fillFields, matcher, nearestEvents } from './event-match.js'
import { serverEvents, StepFailed } from './step-context.js'
import { wireDisagreement } from './wire-agreement.js'
import { eventBody } from './step-schema.js'
import { STEP_OPTIONS, type StepKind } from './step-kind.js'

export interface WaitEventStep extends StepBase {
  kind: 'wait_event'
  event: ServerEventName
  where: EventFields
}

/** `wait_event: { event: client_rejected, where: { port: "${d.port}" } }`: the server logs such an event in time. */
export const waitEventStep: StepKind<WaitEventStep> = {
  kind: 'wait_event',
  schema: eventBody(),
  parse(body, { base, refs }) {
    const e = body.entries(['event', 'where', ...STEP_OPTIONS])
    return [{ ...base, kind: 'wait_event', ...eventAndFields(e, body, refs) }]
  },
  checks: () => true,
  label: (step) => `wait for ${step.event}${fieldsLabel(step.where)}`,
  async run(step, ctx, { signal }) {
    const events = serverEvents(ctx, step.event, step.where)
    let found
    try {
      found = await events.waitFor(step.event, matcher(step.where, ctx), 1, signal)
    } catch (error) {
      // The step's own timeout (not an interrupt of the run): say what came instead.
      if (!signal.aborted || ctx.signal.aborted) throw error
      const wanted = fillFields(step.where, ctx)
      throw new StepFailed(`timed out after ${step.timeoutMs} ms waiting for ${step.event}`, describeEvent(step.event, wanted), nearestEvents(events.events, step.event, wanted))
    }
    const disagreement = await wireDisagreement(ctx, [found], signal)
    if (disagreement) throw new StepFailed(disagreement)
  },
}

declare module './step.js' {
  interface StepTypes {
    wait_event: WaitEventStep
  }
}
