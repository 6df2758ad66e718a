import type { Step } from './scenario.js'
import type { StepResult } from './scenario-result.js'
import { StepFailed, StepSkipped, TargetUnavailable, type StepContext } from './steps/step-context.js'
import { kindOf } from './steps/step-kinds.js'

export { TargetUnavailable, type StepContext }

/** How a step is shown in reports and progress. */
export const stepLabel = (step: Step): string => kindOf(step).label(step)

/** Runs one step within its timeout and reports it; never throws. */
export async function runStep(step: Step, ctx: StepContext, depth = 0): Promise<StepResult> {
  const started = performance.now()
  const label = stepLabel(step)
  const timeout = AbortSignal.timeout(step.timeoutMs)
  const signal = AbortSignal.any([timeout, ctx.signal])
  const finish = (result: Omit<StepResult, 'label' | 'line' | 'durationMs'>): StepResult => {
    const done = { label, line: step.line, durationMs: Math.round(performance.now() - started), ...result }
    ctx.onStep?.(done, depth)
    return done
  }
  const kind = kindOf(step)
  const children: StepResult[] = []
  try {
    const note = await kind.run(step, ctx, { signal, children, runStep: (child) => runStep(child, ctx, depth + 1) })
    const failed = children.find((c) => c.verdict === 'failed')
    if (failed) return finish({ verdict: 'failed', reason: kind.childFailed?.(failed.reason ?? '') ?? failed.reason, children })
    return finish({ verdict: 'passed', reason: note ?? undefined, children: children.length > 0 ? children : undefined })
  } catch (error) {
    const nested = children.length > 0 ? { children } : {}
    if (error instanceof TargetUnavailable) throw error
    if (error instanceof StepSkipped) return finish({ verdict: 'skipped', reason: error.message, ...nested })
    if (error instanceof StepFailed) return finish({ verdict: 'failed', reason: error.message, expected: error.expected, actual: error.actual, ...nested })
    const interrupted = ctx.signal.aborted
    const timedOut = !interrupted && timeout.aborted && (error === signal.reason || (error as Error)?.name === 'TimeoutError')
    const reason = interrupted ? String((ctx.signal.reason as Error).message) : timedOut ? `timed out after ${step.timeoutMs} ms` : (error as Error)?.message ?? String(error)
    return finish({ verdict: 'failed', reason, ...nested })
  }
}
