import { setTimeout as delay } from 'node:timers/promises'
import type { StepBase } from '../scenario.js'
import { duration } from '../../values/duration.js'
import { ref, stepMap } from './step-schema.js'
import { STEP_OPTIONS, type StepKind } from './step-kind.js'

export interface SleepStep extends StepBase {
  kind: 'sleep'
  ms: number
}

/**
 * `sleep: 500ms`: nothing happens for that long (a client idles, a timeout runs out). Its step timeout is at
 * least the sleep and a second more. To wait for something to happen, `wait_event` is the step to use.
 */
export const sleepStep: StepKind<SleepStep> = {
  kind: 'sleep',
  schema: { anyOf: [ref('duration'), stepMap({ for: ref('duration') }, ['for'])] },
  parse(body, { base }) {
    const ms = duration(body.isMap() ? (body.entries(['for', ...STEP_OPTIONS]).get('for') ?? body.fail('`for`: a duration')) : body)
    return [{ ...base, kind: 'sleep', ms, timeoutMs: Math.max(base.timeoutMs, ms + 1_000) }]
  },
  label: (step) => `sleep ${step.ms} ms`,
  async run(step, _ctx, { signal }) {
    await delay(step.ms, undefined, { signal })
  },
}

declare module './step.js' {
  interface StepTypes {
    sleep: SleepStep
  }
}
