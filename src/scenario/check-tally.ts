import type { CheckTally, ScenarioResult, StepResult } from './scenario-result.js'

/** The checks among a scenario's steps (nested ones included): how many, how many passed, how many skipped. */
export function tallyChecks(steps: readonly StepResult[]): CheckTally {
  const tally: CheckTally = { total: 0, passed: 0, skipped: 0 }
  const walk = (list: readonly StepResult[]) => {
    for (const step of list) {
      if (step.check) {
        tally.total += 1
        if (step.verdict === 'passed') tally.passed += 1
        if (step.verdict === 'skipped') tally.skipped += 1
      }
      walk(step.children ?? [])
    }
  }
  walk(steps)
  return tally
}

/** The reasons (each once) of the skipped steps that `pick` chooses, nested ones included. */
function skippedReasons(steps: readonly StepResult[], pick: (step: StepResult) => boolean | undefined): string[] {
  const reasons = new Set<string>()
  const walk = (list: readonly StepResult[]) => {
    for (const step of list) {
      if (pick(step) && step.verdict === 'skipped') reasons.add(step.reason ?? 'skipped')
      walk(step.children ?? [])
    }
  }
  walk(steps)
  return [...reasons]
}

/**
 * A passed run that tested nothing is reported skipped, with the reasons (each once), never passed: every
 * check was skipped, or the conditions it is about could not be set (a link, the network, a restart).
 */
export function settleVerdict(result: ScenarioResult): void {
  const tally = tallyChecks(result.steps)
  result.checks = tally
  if (result.verdict !== 'passed') return
  const stage = skippedReasons(result.steps, (s) => s.stage)
  if (stage.length > 0) {
    result.verdict = 'skipped'
    result.skipped = `its conditions cannot be set on this target: ${stage.join('; ')}`
  } else if (tally.total > 0 && tally.passed === 0) {
    result.verdict = 'skipped'
    result.skipped = `every check was skipped on this target: ${skippedReasons(result.steps, (s) => s.check).join('; ')}`
  }
}

/** `(5 of 7 checks; 2 skipped)` for a passed run with checks skipped; empty otherwise. */
export function checksNote(result: Pick<ScenarioResult, 'verdict' | 'checks'>): string {
  const c = result.checks
  return result.verdict === 'passed' && c && c.skipped > 0 ? `(${c.passed} of ${c.total} checks; ${c.skipped} skipped)` : ''
}

/** `passed`, or `passed (5 of 7 checks; 2 skipped)` when some checks were skipped; otherwise the verdict. */
export function verdictText(result: Pick<ScenarioResult, 'verdict' | 'checks'>): string {
  const note = checksNote(result)
  return note ? `${result.verdict} ${note}` : result.verdict
}
