import type { Step, StepBase } from '../scenario.js'
import { runInOrder, StepFailed } from './step-context.js'
import { ref } from './step-schema.js'
import type { StepKind } from './step-kind.js'

export interface SequenceStep extends StepBase {
  kind: 'sequence'
  steps: Step[]
}

/**
 * `sequence: [ steps… ]`: the steps in order, as one step; the first failure ends it. Its use is a branch of
 * `parallel` that does several things (wait, then disconnect). Each step keeps its own timeout.
 */
export const sequenceStep: StepKind<SequenceStep> = {
  kind: 'sequence',
  schema: { ...ref('steps'), minItems: 1 },
  parse(body, { base, parseSteps }) {
    const steps = parseSteps(body)
    if (steps.length === 0) body.fail('at least one step')
    return [{ ...base, kind: 'sequence', steps }]
  },
  label: (step) => `sequence of ${step.steps.length} step${step.steps.length === 1 ? '' : 's'}`,
  async run(step, ctx, run) {
    const failed = await runInOrder(step.steps, ctx, run)
    if (failed) throw new StepFailed(failed.reason ?? 'a step failed')
  },
}

declare module './step.js' {
  interface StepTypes {
    sequence: SequenceStep
  }
}
