import type { Step, StepBase } from '../scenario.js'
import { newValueName } from '../step-values.js'
import { runInOrder, StepFailed } from './step-context.js'
import { ref, stepMap } from './step-schema.js'
import { STEP_OPTIONS, type StepKind } from './step-kind.js'

export interface RepeatStep extends StepBase {
  kind: 'repeat'
  times: number
  /** The counter's name: `${name}` is 1, 2, … in each round. */
  as?: string
  steps: Step[]
}

/** The most rounds a repeat may ask for: a typo of a few zeros should not run for a day. */
export const MAX_REPEAT = 10_000

/**
 * `repeat: { times: 3, as: round, steps: [ … ] }`: the steps run in order, that many times; `${round}`
 * counts the rounds from 1. The first failing step ends it. Each step keeps its own timeout.
 */
export const repeatStep: StepKind<RepeatStep> = {
  kind: 'repeat',
  schema: stepMap({ times: ref('count'), as: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }, steps: { ...ref('steps'), minItems: 1 } }, ['times', 'steps']),
  parse(body, { base, refs, parseSteps }) {
    const e = body.entries(['times', 'as', 'steps', ...STEP_OPTIONS])
    const timesCursor = e.get('times') ?? body.fail('`times`: how many rounds')
    const times = timesCursor.number()
    if (!Number.isInteger(times) || times < 1 || times > MAX_REPEAT) timesCursor.fail(`a whole number of rounds, 1 to ${MAX_REPEAT}`)
    const asCursor = e.get('as')
    const as = asCursor ? newValueName(asCursor, asCursor.string(), refs) : undefined
    const list = e.get('steps') ?? body.fail('`steps`: the steps of a round')
    const steps = parseSteps(list)
    if (steps.length === 0) list.fail('at least one step')
    return [{ ...base, kind: 'repeat', times, as, steps }]
  },
  label: (step) => `repeat ${step.times} × ${step.steps.length} step${step.steps.length === 1 ? '' : 's'}`,
  async run(step, ctx, run) {
    for (let round = 1; round <= step.times && !ctx.signal.aborted; round += 1) {
      if (step.as) ctx.values.set(step.as, String(round))
      const failed = await runInOrder(step.steps, ctx, run)
      if (failed) throw new StepFailed(`round ${round} of ${step.times}: ${failed.reason ?? 'a step failed'}`)
    }
    if (ctx.signal.aborted) return
    return `${step.times} rounds`
  },
}

declare module './step.js' {
  interface StepTypes {
    repeat: RepeatStep
  }
}
