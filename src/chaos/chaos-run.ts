import { readdir } from 'node:fs/promises'
import { parseScenario } from '../scenario/scenario-parser.js'
import { runScenario } from '../scenario/scenario-runner.js'
import type { CaptureMode } from '../capture/packet-capture.js'
import type { ScenarioResult, StepResult } from '../scenario/scenario-result.js'
import type { ScenarioTarget } from '../scenario/targets/scenario-target.js'
import type { ServerSpec } from '../lab/server-spec.js'
import { RULES, type CompiledStep, type Rule, type ServerModel } from './chaos-model.js'
import type { ChaosOp, ChaosSchedule } from './chaos-schedule.js'
import { scheduleScenario } from './chaos-scenario.js'

export type Outcome = 'ok' | 'failed' | 'unknown' | 'not run'

/** One operation of the history, as it went: what was done, how it ended, and how long it took. */
export interface HistoryEntry {
  /** The schedule's index of the operation (absent: the checks after the run). */
  op?: number
  step: string
  outcome: Outcome
  ms: number
  reason?: string
}

/** A rule of the model a run broke: which, at which step, and the operations that led there. */
export interface Violation {
  rule: Rule
  says: string
  /** The schedule's operation whose step failed (absent: the checks after the run). */
  op?: number
  step: string
  reason: string
  expected?: string
  actual?: string
  /** The operations before it of the clients it involved, and the faults and restarts among them, last 8. */
  leadingTo: Array<{ index: number } & ChaosOp>
}

export interface ChaosOutcome {
  history: HistoryEntry[]
  violation?: Violation
  /** The scenario the schedule ran as (a plain scenario file). */
  yaml: string
  result: ScenarioResult
  dropped: number[]
  context: Map<number, { full: boolean; connected: number }>
}

export interface ChaosRunOptions {
  target: ScenarioTarget
  /** The server under test (socklab's own when absent). */
  server?: ServerSpec
  shippedFiles: string
  signal: AbortSignal
  logsDir?: string
  /** The scenario's file name, which names its bundle (`chaos-<seed>.yaml`: chaos-<seed>-logs/). */
  file?: string
  /** When the run's packets are captured into its failure bundle (in logsDir). */
  capture?: CaptureMode
  title?: string
  onStep?(result: StepResult): void
}

/** The model that fits the server: socklab's says why a client left; any other is held to the original's logging. */
export async function serverModel(server: ServerSpec | undefined, shippedFiles: string): Promise<ServerModel> {
  return { socklab: server === undefined || server.kind === 'socklab', shipped: (await readdir(shippedFiles)).sort() }
}

/** Runs a schedule as its scenario on a target and reads the history out of its steps: the first failed one is the violation. */
export async function runSchedule(schedule: ChaosSchedule, model: ServerModel, options: ChaosRunOptions): Promise<ChaosOutcome> {
  const { yaml, compiled } = scheduleScenario(schedule, model, options.title ?? 'chaos')
  // Nothing left to do (a shrink tries taking everything away): nothing runs, and nothing is violated.
  if (compiled.steps.length === 0) {
    const file = options.file ?? `chaos-${schedule.seed}.yaml`
    const result: ScenarioResult = { name: file.replace(/\.yaml$/, ''), description: '', file, target: options.target.name, verdict: 'passed', durationMs: 0, steps: [], messages: [], serverLog: [], artifacts: [] }
    return { history: [], yaml, result, dropped: compiled.dropped, context: compiled.context }
  }
  const scenario = parseScenario(yaml, options.file ?? `chaos-${schedule.seed}.yaml`)
  const result = await runScenario(scenario, options.target, {
    shippedFiles: options.shippedFiles,
    signal: options.signal,
    ...(options.logsDir ? { logsDir: options.logsDir } : {}),
    ...(options.capture ? { capture: options.capture } : {}),
    ...(options.server ? { server: options.server } : {}),
    ...(options.onStep ? { onStep: (step: StepResult, depth: number) => (depth === 0 ? options.onStep!(step) : undefined) } : {}),
  })
  const history = result.steps.map((step, i) => entry(step, compiled.steps[i]))
  const failedAt = result.steps.findIndex((s) => s.verdict === 'failed')
  const violation = failedAt >= 0 ? violationAt(schedule, compiled.steps, result.steps, failedAt) : result.error ? { rule: 'restart' as Rule, says: 'the run could not start', step: '(setup)', reason: result.error, leadingTo: [] } : undefined
  return { history, ...(violation ? { violation } : {}), yaml, result, dropped: compiled.dropped, context: compiled.context }
}

function entry(step: StepResult, compiled: CompiledStep | undefined): HistoryEntry {
  const outcome: Outcome = step.verdict === 'failed' ? 'failed' : step.verdict === 'skipped' ? 'not run' : compiled?.uncertain ? 'unknown' : 'ok'
  return { ...(compiled?.op === undefined ? {} : { op: compiled.op }), step: step.label, outcome, ms: Math.round(step.durationMs), ...(step.reason && outcome !== 'ok' && outcome !== 'unknown' ? { reason: step.reason } : {}) }
}

function violationAt(schedule: ChaosSchedule, compiled: readonly CompiledStep[], steps: readonly StepResult[], at: number): Violation {
  const step = steps[at]!
  let rule = compiled[at]?.rule ?? 'final'
  // A connect checks two rules: that it got in, and under which name.
  if (rule === 'admits' && /got another name/.test(step.reason ?? '')) rule = 'names'
  const op = compiled[at]?.op
  const upTo = op ?? schedule.ops.length
  const involved = new Set<string>(op !== undefined && 'client' in schedule.ops[op]! ? [(schedule.ops[op] as { client: string }).client] : schedule.clients)
  const leadingTo = schedule.ops
    .map((o, index) => ({ index, ...o }))
    .filter((o) => o.index <= upTo && (!('client' in o) || involved.has(o.client) || o.op === 'reset-mid-get' || o.op === 'close-mid-get' || o.op === 'unstall' || o.op === 'leave'))
    .slice(-8)
  return { rule, says: RULES[rule], ...(op === undefined ? {} : { op }), step: step.label, reason: step.reason ?? 'failed', ...(step.expected ? { expected: step.expected } : {}), ...(step.actual ? { actual: step.actual } : {}), leadingTo }
}
