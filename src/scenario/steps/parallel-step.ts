import { allSteps, stepClients, type Step, type StepBase } from '../scenario.js'
import { StepFailed } from './step-context.js'
import { ref } from './step-schema.js'
import type { StepKind } from './step-kind.js'

export interface ParallelStep extends StepBase {
  kind: 'parallel'
  steps: Step[]
}

/** `parallel: [ steps… ]`: the steps run at once, each with a client of its own; it fails if any fails. */
export const parallelStep: StepKind<ParallelStep> = {
  kind: 'parallel',
  schema: { ...ref('steps'), minItems: 1 },
  parse(body, { base, parseSteps }) {
    const steps = parseSteps(body)
    // Each branch's clients, nested steps included (a `sequence` branch), each counted once per branch.
    const used = steps.flatMap((branch) => [...new Set(allSteps([branch]).flatMap(stepClients))])
    const twice = used.find((name, i) => used.indexOf(name) !== i)
    if (twice) body.fail(`branches that each use a different client (${twice} is used twice)`)
    return [{ ...base, kind: 'parallel', steps }]
  },
  label: (step) => `parallel (${step.steps.length} steps)`,
  async run(step, _ctx, { children, runStep }) {
    children.push(...(await Promise.all(step.steps.map((child) => runStep(child)))))
    const failed = children.find((c) => c.verdict === 'failed')
    if (failed) throw new StepFailed(failed.reason ?? 'a branch failed')
  },
}

declare module './step.js' {
  interface StepTypes {
    parallel: ParallelStep
  }
}
