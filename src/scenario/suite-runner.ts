import type { Scenario } from './scenario.js'
import { isBroken, type BrokenScenario } from './scenario-catalog.js'
import { unrunResult, type ScenarioResult, type StepResult } from './scenario-result.js'
import { runScenario, type RunOptions } from './scenario-runner.js'
import type { ScenarioTarget } from './targets/scenario-target.js'

export interface SuiteOptions extends Omit<RunOptions, 'onStep' | 'round'> {
  /** Each scenario runs this many times (rounds), to measure how often it passes. */
  repeat: number
  /** How many scenarios run at once, each with its own server, clients and network. */
  parallel: number
  /** After the first failure, start nothing more (what is running finishes). */
  bail: boolean
  signal: AbortSignal
  /** Called as each run starts; what it returns hears that run's steps and its end. */
  onRun(entry: SuiteEntry): { step(result: StepResult, depth: number): void; finished(result: ScenarioResult): void }
}

export interface SuiteEntry {
  scenario: Scenario | BrokenScenario
  /** 1-based; 0 when the suite runs once. */
  round: number
  rounds: number
}

export interface SuiteOutcome {
  /** In the order of the entries (scenario by scenario, round by round), whatever order they ran in. */
  results: ScenarioResult[]
  /** Runs not started because of --bail or an interrupt. */
  notRun: number
}

/**
 * Runs the selected scenarios, each `repeat` times, up to `parallel` at once. A broken file is reported as a
 * failed run in its place. With `bail`, nothing new starts after a failure.
 */
export async function runSuite(selected: ReadonlyArray<Scenario | BrokenScenario>, target: ScenarioTarget, options: SuiteOptions): Promise<SuiteOutcome> {
  const rounds = Math.max(1, options.repeat)
  const entries: SuiteEntry[] = selected.flatMap((scenario) =>
    Array.from({ length: rounds }, (_, i) => ({ scenario, round: rounds > 1 ? i + 1 : 0, rounds })),
  )
  const results: Array<ScenarioResult | undefined> = new Array(entries.length)
  let next = 0
  let stop = false
  /** The first run whose server did not start: the rest are not run, and say why once. */
  let dead: ScenarioResult | undefined
  /** Whether a scenario runs against the suite's one server (--server, or the default), not a spec of its own. */
  const shared = (scenario: Scenario) => options.server !== undefined || !scenario.server.spec
  const worker = async () => {
    while (!stop && next < entries.length && !options.signal.aborted) {
      const index = next
      next += 1
      const entry = entries[index]!
      const progress = options.onRun(entry)
      const result = isBroken(entry.scenario)
        ? brokenResult(entry.scenario, target.name)
        : dead && shared(entry.scenario)
          ? notStarted(entry.scenario, target.name, dead)
          : await runScenario(entry.scenario, target, { ...options, round: entry.round || undefined, onStep: (step, depth) => progress.step(step, depth) })
      if (entry.round) result.round = entry.round
      if (result.serverDidNotStart && !dead && !isBroken(entry.scenario) && shared(entry.scenario)) dead = result
      progress.finished(result)
      results[index] = result
      if (options.bail && result.verdict === 'failed') stop = true
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.parallel, entries.length)) }, worker))
  const done = results.filter((r): r is ScenarioResult => r !== undefined)
  return { results: done, notRun: entries.length - done.length }
}

/** A run not tried because the server under test did not start for an earlier one. */
function notStarted(scenario: Scenario, target: string, dead: ScenarioResult): ScenarioResult {
  return unrunResult(scenario, target, `not run: the server did not start (see ${dead.name})`, { serverDidNotStart: dead.serverDidNotStart, ...(dead.server ? { server: dead.server } : {}) })
}

/** A scenario file that could not be read or checked, as a failed result with its reasons. */
function brokenResult(broken: BrokenScenario, target: string): ScenarioResult {
  return unrunResult({ ...broken, description: '' }, target, broken.error)
}
