import { join } from 'node:path'
import { settleVerdict } from './check-tally.js'
import { isSocklabError } from '../errors/socklab-error.js'
import type { Scenario } from './scenario.js'
import type { ScenarioResult, StepResult } from './scenario-result.js'
import { TargetUnavailable, runStep, stepLabel, type StepContext } from './step-runner.js'
import { newStepContext, say } from './steps/step-context.js'
import { describeBytes } from '../text/wire-bytes.js'
import type { ScenarioTarget, TargetRun } from './targets/scenario-target.js'
import { mkdir, rmdir } from 'node:fs/promises'
import { DEFAULT_CAPTURE, type CaptureMode, type RunningCapture } from '../capture/packet-capture.js'
import { dropCapture, writeBundle } from './failure-bundle.js'
import { loadServerSpec, SOCKLAB_SERVER, unsupportedModes, unsupportedSettings, unsupportedTarget, type ServerSpec } from '../lab/server-spec.js'

export interface RunOptions {
  /** The shipped files folder (server_files/) every scenario starts from. */
  shippedFiles: string
  /** Where logs of a failed scenario are kept (`<dir>/<scenario>-logs/`); none when absent. */
  logsDir?: string
  /** Aborting it (an interrupt) stops the steps; the run's containers, processes and folders are removed. */
  signal?: AbortSignal
  /** The server under test (socklab's own by default). */
  server?: ServerSpec
  /** With --repeat: which run this is (its logs are kept under a name of their own). */
  round?: number
  /** When its packets are captured and kept, into the logs folder (default on-failure; none without a logs folder). */
  capture?: CaptureMode
  onStep?(result: StepResult, depth: number): void
  /** Told when the run's server is up and its steps are about to run (a live view follows it from here). */
  onPrepared?(prepared: { scenario: Scenario; run: TargetRun; ctx: StepContext; target: ScenarioTarget }): void
}

/**
 * Runs one scenario on a target: prepares its server and files, runs the steps in order (after a failure
 * the rest are reported as not run), keeps every log when it failed, and always takes everything down.
 */
/** What text and byte clients were sent and no step read, drawn at the end: the diagram shows every byte that came. */
function sayUnread(ctx: StepContext): void {
  for (const [name, { wire }] of ctx.agents) {
    if (wire && wire.pending.length > 0) say(ctx, { from: 'server', to: name, text: `unread: ${describeBytes(wire.pending)}` })
  }
}

export async function runScenario(scenario: Scenario, target: ScenarioTarget, options: RunOptions): Promise<ScenarioResult> {
  const started = performance.now()
  const result: ScenarioResult = {
    name: scenario.name,
    description: scenario.description,
    file: scenario.file,
    target: target.name,
    verdict: 'passed',
    durationMs: 0,
    steps: [],
    messages: [],
    serverLog: [],
    artifacts: [],
  }
  let server: ServerSpec
  try {
    server = options.server ?? (scenario.server.spec ? await loadServerSpec(scenario.server.spec) : SOCKLAB_SERVER)
  } catch (error) {
    result.verdict = 'failed'
    result.error = `its server under test: ${(error as Error).message}`
    return result
  }
  if (server.kind !== 'socklab') result.server = server.name
  if (scenario.targets && !scenario.targets.includes(target.kind)) {
    result.verdict = 'skipped'
    result.skipped = `runs only on ${scenario.targets.join(', ')}; this is the ${target.kind} target`
    return result
  }
  const laidOut = scenario.topology && target.kind !== 'docker' ? `it is laid out as the ${scenario.topology.name} topology (subnets and a router), which only the docker target builds` : undefined
  const unsupported = laidOut ?? unsupportedTarget(server, target.kind) ?? unsupportedSettings(server, scenario.server.options) ?? unsupportedModes(server, scenario)
  if (unsupported) {
    result.verdict = 'skipped'
    result.skipped = unsupported
    return result
  }
  const signal = options.signal ?? new AbortController().signal
  let run
  try {
    signal.throwIfAborted()
    run = await target.prepare(scenario, options.shippedFiles, server)
  } catch (error) {
    result.verdict = 'failed'
    if (isSocklabError(error, 'SOCKLAB_LISTEN_FAILED')) {
      result.error = result.serverDidNotStart = error.message
    } else {
      result.error = `the ${target.name} target could not be prepared: ${(error as Error).message}`
    }
    result.durationMs = Math.round(performance.now() - started)
    return result
  }
  const bundleDir = options.logsDir ? join(options.logsDir, `${scenario.name}${options.round ? `-round${options.round}` : ''}-logs`) : undefined
  const mode = options.capture ?? DEFAULT_CAPTURE
  const captureFile = bundleDir ? join(bundleDir, 'capture.pcap') : undefined
  let capture: RunningCapture | undefined
  let captureNote = 'not captured (--capture never)'
  if (captureFile && mode !== 'never') {
    captureNote = `the ${target.name} target captures nothing`
    try {
      if (run.startCapture) {
        await mkdir(bundleDir!, { recursive: true })
        capture = await run.startCapture(captureFile)
        captureNote = capture.what
      }
    } catch (error) {
      captureNote = `not captured: ${(error as Error).message}`
    }
  }
  try {
    const ctx = newStepContext({ scenario, run, messages: result.messages, signal, targetKind: target.kind, onStep: options.onStep })
    options.onPrepared?.({ scenario, run, ctx, target })
    for (const step of scenario.steps) {
      if (result.verdict === 'failed' || signal.aborted) {
        const why = signal.aborted ? `not run: ${(signal.reason as Error).message}` : 'not run: an earlier step failed'
        const skipped: StepResult = { label: stepLabel(step), line: step.line, verdict: 'skipped', durationMs: 0, reason: why }
        result.steps.push(skipped)
        options.onStep?.(skipped, 0)
        continue
      }
      try {
        const stepResult = await runStep(step, ctx)
        result.steps.push(stepResult)
        if (stepResult.verdict === 'failed') result.verdict = 'failed'
      } catch (error) {
        if (!(error instanceof TargetUnavailable)) throw error
        result.verdict = 'failed'
        result.error = result.unavailable = `the ${target.name} target cannot be used: ${error.message}`
      }
    }
    if (signal.aborted) {
      result.verdict = 'failed'
      result.error ??= (signal.reason as Error).message
    }
    const crossed = (await run.limitsCrossed?.()) ?? []
    if (crossed.length > 0) {
      result.verdict = 'failed'
      result.limitsCrossed = crossed
      result.error ??= `the server crossed a limit of its sandbox: ${crossed.join('; ')}`
    }
    sayUnread(ctx)
    settleVerdict(result)
    result.serverLog = run.events ? run.events.events.map((event) => JSON.stringify(event)) : []
    const stopped = await capture?.stop().then(
      () => true,
      (error: Error) => ((captureNote = `the capture did not stop cleanly: ${error.message}`), false),
    )
    // An interrupted run keeps no bundle (its reports are not written either): what it captured goes.
    const keep = !signal.aborted && (result.verdict === 'failed' || (mode === 'always' && result.verdict === 'passed'))
    if (keep && bundleDir) {
      result.artifacts = await run.saveLogs(bundleDir)
      result.bundle = await writeBundle(result, bundleDir, { ...(stopped ? { file: captureFile } : {}), note: captureNote }, run.serverAddress)
    } else if (captureFile) {
      // Nothing kept: the capture and the folder made for it go (a folder of an earlier run's keeps its files).
      await dropCapture(captureFile)
      await rmdir(bundleDir!).catch(() => undefined)
    }
  } finally {
    await capture?.stop().catch(() => undefined)
    await run[Symbol.asyncDispose]()
  }
  result.durationMs = Math.round(performance.now() - started)
  return result
}
