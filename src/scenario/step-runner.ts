import { setMaxListeners } from 'node:events'
import { setTimeout as delay } from 'node:timers/promises'
import type { Step } from './scenario.js'
import type { StepResult } from './scenario-result.js'
import { StepFailed, StepSkipped, TargetUnavailable, type StepContext } from './steps/step-context.js'
import { kindOf } from './steps/step-kinds.js'
import { clockSignal, StepClock } from './step-clock.js'
import { fillKnown } from './template.js'

export { TargetUnavailable, type StepContext }

/** How a step is shown in reports and progress (with the captures and counters known so far, when running). */
export const stepLabel = (step: Step, ctx?: StepContext): string => {
  const label = kindOf(step).label(step)
  return ctx ? fillKnown(label, ctx) : label
}

type Outcome = Omit<StepResult, 'label' | 'line' | 'durationMs'>

/**
 * Runs one step within its timeout and reports it; never throws. A step with `retry:` that fails is tried
 * again after `every`, while attempts (`times`) and time (`until`) are left; its result is the last attempt's.
 */
export async function runStep(step: Step, ctx: StepContext, depth = 0): Promise<StepResult> {
  const started = performance.now()
  const startedAtMs = Date.now()
  let attempts = 0
  let outcome: Outcome
  for (;;) {
    attempts += 1
    outcome = await attempt(step, ctx, depth)
    if (outcome.verdict !== 'failed' || !canRetry(step, attempts, started, ctx)) break
    await delay(step.retry!.everyMs, undefined, { signal: ctx.signal }).catch(() => undefined)
    if (ctx.signal.aborted) break
  }
  const tried = attempts > 1 ? `${outcome.verdict === 'passed' ? 'passed' : 'failed'} on attempt ${attempts}` : undefined
  const reason = tried && outcome.reason ? `${outcome.reason} (${tried})` : (outcome.reason ?? tried)
  const done: StepResult = { label: stepLabel(step, ctx), line: step.line, durationMs: Math.round(performance.now() - started), startedAtMs, ...outcome, reason }
  if (attempts > 1) done.attempts = attempts
  if (kindOf(step).checks?.(step)) done.check = true
  if (kindOf(step).setsStage) done.stage = true
  ctx.onStep?.(done, depth)
  return done
}

function canRetry(step: Step, attempts: number, started: number, ctx: StepContext): boolean {
  const retry = step.retry
  if (!retry || ctx.signal.aborted) return false
  if (retry.times !== undefined && attempts > retry.times) return false
  return retry.untilMs === undefined || performance.now() + retry.everyMs - started < retry.untilMs
}

const timedOutReason = (step: Step, clock: StepClock): string =>
  `timed out after ${step.timeoutMs} ms${clock.setupMs > 0 ? ` (not counting ${clock.setupMs} ms of client containers starting)` : ''}`

/** One attempt at a step, within its timeout. */
async function attempt(step: Step, ctx: StepContext, depth: number): Promise<Outcome> {
  const clock = new StepClock(step.timeoutMs)
  const signal = clockSignal(clock, AbortSignal.any([clock.signal, ctx.signal]))
  // A group step waits on one agent per member, each listening for this signal.
  setMaxListeners(0, signal)
  const kind = kindOf(step)
  const children: StepResult[] = []
  try {
    const note = await kind.run(step, ctx, { signal, children, runStep: (child) => runStep(child, ctx, depth + 1) })
    const failed = children.find((c) => c.verdict === 'failed')
    if (failed) return { verdict: 'failed', reason: kind.childFailed?.(failed.reason ?? '') ?? failed.reason, children }
    return { verdict: 'passed', reason: note ?? undefined, children: children.length > 0 ? children : undefined }
  } catch (error) {
    const nested = children.length > 0 ? { children } : {}
    if (error instanceof TargetUnavailable) throw error
    if (error instanceof StepSkipped) return { verdict: 'skipped', reason: error.message, ...nested }
    if (error instanceof StepFailed) return { verdict: 'failed', reason: error.message, expected: error.expected, actual: error.actual, ...nested }
    const interrupted = ctx.signal.aborted
    const timedOut = !interrupted && clock.timedOut && (error === signal.reason || (error as Error)?.name === 'TimeoutError')
    const reason = interrupted ? String((ctx.signal.reason as Error).message) : timedOut ? timedOutReason(step, clock) : ((error as Error)?.message ?? String(error))
    return { verdict: 'failed', reason, ...nested }
  } finally {
    clock.dispose()
  }
}
