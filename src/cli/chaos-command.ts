import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { CommandModule } from 'yargs'
import { coverage, type FaultCoverage } from '../chaos/chaos-coverage.js'
import { RULES } from '../chaos/chaos-model.js'
import { runSchedule, serverModel, type ChaosOutcome, type HistoryEntry } from '../chaos/chaos-run.js'
import { scheduleScenario } from '../chaos/chaos-scenario.js'
import { drawSchedule, FAULT_KINDS, type ChaosSchedule, type FaultKind } from '../chaos/chaos-schedule.js'
import { drawSeed } from '../chaos/seeded-random.js'
import { shrinkSchedule } from '../chaos/shrink.js'
import { DEFAULT_IMAGE } from '../docker/image-build.js'
import { SocklabError } from '../errors/socklab-error.js'
import { loadServerSpec } from '../lab/server-spec.js'
import type { ScenarioTarget } from '../scenario/targets/scenario-target.js'
import { parseDuration } from '../values/duration.js'
import { formatSize, parseSize } from '../values/byte-size.js'
import { EXIT } from './exit-codes.js'
import { fail } from './fail.js'
import { watchInterrupts } from './interrupts.js'
import { filesDir } from './scenario-command.js'
import { chooseTarget } from './target-choice.js'
import { wholeNumber } from './whole-number.js'
import { finishOptions } from './yargs-options.js'
import { captureMode, captureOption } from './capture-option.js'

/** How much more a server may hold after a chaos run than at its start: a leak per client shows within 4; Node's heap may keep tens of MiB. */
const DEFAULT_USAGE = { descriptors: 4, memory: 96 * 1024 * 1024 }

/** Faults that need socklab's own server (it logs that it shut down, and why each client went). */
const SOCKLAB_ONLY: readonly FaultKind[] = ['restart']

export const chaosOptions = (env: NodeJS.ProcessEnv = process.env) =>
  finishOptions({
    seed: { type: 'number', describe: 'the seed the whole schedule is drawn from (printed first; drawn when not given)' },
    duration: { type: 'string', default: '60s', describe: "about how long the schedule's operations take" },
    clients: { type: 'number', default: 5, describe: 'how many clients the schedule uses' },
    'max-clients': { type: 'number', describe: "the server's limit the model holds it to; default 3 (socklab's server is started with it; another server's own constant is read from its source)" },
    faults: { type: 'string', default: FAULT_KINDS.join(','), describe: `the faults drawn from, comma-separated: ${FAULT_KINDS.join(', ')} (restart: socklab's server only)` },
    server: { type: 'string', describe: "the server under test: socklab's (default), original, a server.py as written or a folder with socklab-server.yaml" },
    target: { type: 'string', default: 'local', describe: 'where it runs: local (processes here), docker, or <host>:<port> of a socklab server already running' },
    files: { type: 'string', describe: 'the files the server starts from (the schedule adds its own); default: the shipped ones' },
    runs: { type: 'number', default: 1, describe: 'run this many seeds (the seed, then the next ones): prints the pass rate and the seeds that failed' },
    replay: { type: 'string', describe: 'rerun the schedule recorded in a chaos report.json (its seed, operations and files)' },
    'check-determinism': { type: 'boolean', default: false, describe: "run the schedule twice and compare the two histories' outcomes" },
    'descriptor-growth': { type: 'number', default: DEFAULT_USAGE.descriptors, describe: "after the run, every client gone: how many more descriptors than at its start the server may hold (a leak of one per client is caught)" },
    'memory-growth': { type: 'string', default: formatSize(DEFAULT_USAGE.memory).replace(' ', ''), describe: 'after the run, every client gone: how much more resident memory than at its start the server may hold' },
    'shrink-runs': { type: 'number', default: 60, describe: 'on a violation, at most this many runs to shrink its schedule (0: no shrinking)' },
    out: { type: 'string', default: 'chaos-report', describe: 'where report.json, the scenario each seed ran as and the shrunk one go' },
    image: { type: 'string', default: DEFAULT_IMAGE, describe: "the socklab image of the docker target's clients (built when missing)" },
    ...captureOption,
  }, process.argv, env)

interface ChaosReport {
  seed: number
  server: string
  target: string
  schedule: ChaosSchedule
  history: HistoryEntry[]
  verdict: 'passed' | 'violation'
  violation?: ChaosOutcome['violation']
  coverage: FaultCoverage[]
  scenario: string
  shrunk?: { runs: number; seconds: number; ops: { before: number; after: number }; clients: { before: number; after: number }; scenario: string; steps: number; bundle?: string }
  /** The violating run's failure bundle (capture, transcripts, log slice, timeline). */
  bundle?: string
  determinism?: { same: boolean; differences: Array<{ step: string; first: string; second: string }> }
}

export const chaosCommand: CommandModule = {
  command: 'chaos',
  describe: 'seeded chaos: clients and faults drawn from a seed, every reply checked against a model of the assignment; a violation replayed and shrunk to a scenario',
  builder: (yargs) => yargs.options(chaosOptions()),
  handler: async (argv) => {
    const interrupts = watchInterrupts('socklab chaos')
    let target: ScenarioTarget | undefined
    try {
      const durationMs = parseDuration(String(argv.duration))
      if (durationMs === undefined || durationMs <= 0) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `--duration takes a duration such as 60s or 2m, not ${String(argv.duration)}`)
      const clients = wholeNumber(argv.clients, '--clients', 1)
      const runs = wholeNumber(argv.runs, '--runs', 1)
      const shrinkRuns = wholeNumber(argv.shrinkRuns, '--shrink-runs', 0)
      const server = typeof argv.server === 'string' ? await loadServerSpec(argv.server) : undefined
      const shipped = filesDir(argv.files)
      const memory = parseSize(String(argv.memoryGrowth))
      if (memory === undefined) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `--memory-growth takes a size such as 96MiB, not ${String(argv.memoryGrowth)}`)
      const usage = { descriptors: wholeNumber(argv.descriptorGrowth, '--descriptor-growth', 0), memory }
      const model = await serverModel(server, shipped)
      const faults = faultList(String(argv.faults), model.socklab)
      const maxClients = argv.maxClients === undefined ? Number(server?.fixed.maxClients ?? 3) : wholeNumber(argv.maxClients, '--max-clients', 1)
      const replayed = typeof argv.replay === 'string' ? ((JSON.parse(await readFile(argv.replay, 'utf8')) as ChaosReport).schedule) : undefined
      const firstSeed = replayed?.seed ?? (typeof argv.seed === 'number' ? argv.seed : drawSeed())
      process.stdout.write(`seed: ${firstSeed}${replayed ? ` (replaying ${argv.replay})` : ''}\n`)
      const out = resolve(String(argv.out))
      await mkdir(out, { recursive: true })
      target = await chooseTarget(String(argv.target), String(argv.image))
      // A remote server's process cannot be read: its usage is not checked.
      if (target.kind !== 'remote') model.usage = usage
      const base = { target, shippedFiles: shipped, signal: interrupts.signal, ...(server ? { server } : {}) }
      const capture = captureMode(argv, out)
      const failed: Array<{ seed: number; rule: string }> = []
      for (let n = 0; n < runs && !interrupts.signal.aborted; n += 1) {
        const seed = firstSeed + n
        const schedule = replayed ?? drawSchedule({ seed, durationMs, clients, faults, maxClients })
        if (n > 0) process.stdout.write(`seed: ${seed}\n`)
        const outcome = await runSchedule(schedule, model, { ...base, logsDir: out, capture, title: `chaos seed ${seed}` })
        if (interrupts.signal.aborted) break
        const scenarioFile = join(out, `chaos-${seed}.yaml`)
        await writeFile(scenarioFile, outcome.yaml)
        const report: ChaosReport = {
          seed,
          server: server?.name ?? 'socklab',
          target: target.name,
          schedule,
          history: outcome.history,
          verdict: outcome.violation ? 'violation' : 'passed',
          ...(outcome.violation ? { violation: outcome.violation } : {}),
          coverage: coverage(schedule, outcome),
          scenario: scenarioFile,
          ...(outcome.result.bundle ? { bundle: outcome.result.bundle.dir } : {}),
        }
        process.stdout.write(summary(report, outcome))
        const kept = outcome.result.bundle
        if (kept) process.stdout.write(`failure bundle: ${kept.dir}/ (${kept.capture ? `capture.pcap, ${kept.packetsCaptured} TCP packets` : kept.captureNote}; timeline.txt)\n`)
        if (argv.checkDeterminism === true && !outcome.violation) {
          const again = await runSchedule(schedule, model, { ...base, title: `chaos seed ${seed}, again` })
          const differences = compareOutcomes(outcome.history, again.history)
          report.determinism = { same: differences.length === 0 && !again.violation, differences }
          process.stdout.write(report.determinism.same ? `deterministic: the second run's ${again.history.length} outcomes are the first's\n` : `NOT deterministic: ${differences.length} outcomes differ${differences.map((d) => `\n  ${d.step}: ${d.first} then ${d.second}`).join('')}\n`)
        }
        if (outcome.violation && shrinkRuns > 0 && failed.length === 0) {
          const started = performance.now()
          const rule = outcome.violation.rule
          process.stdout.write(`shrinking (at most ${shrinkRuns} runs)…\n`)
          const shrunk = await shrinkSchedule(
            schedule,
            async (candidate) => {
              const tried = await runSchedule(candidate, model, { ...base, title: `chaos seed ${seed}, shrinking` })
              return tried.violation?.rule === rule
            },
            shrinkRuns,
            outcome.violation.op,
          )
          const { yaml, compiled } = scheduleScenario(shrunk.schedule, model, `chaos seed ${seed}, shrunk: ${RULES[rule]}`)
          const shrunkFile = join(out, `chaos-${seed}-shrunk.yaml`)
          await writeFile(shrunkFile, yaml)
          const seconds = Math.round((performance.now() - started) / 100) / 10
          report.shrunk = { runs: shrunk.runs, seconds, ops: { before: schedule.ops.length, after: shrunk.schedule.ops.length }, clients: { before: schedule.clients.length, after: shrunk.schedule.clients.length }, scenario: shrunkFile, steps: compiled.steps.length }
          process.stdout.write(`shrunk in ${shrunk.runs} runs (${seconds} s): ${schedule.ops.length} operations of ${schedule.clients.length} clients to ${shrunk.schedule.ops.length} of ${shrunk.schedule.clients.length}, a scenario of ${compiled.steps.length} steps: ${shrunkFile}\n`)
          // The shrunk schedule once more, keeping its bundle: a capture and timeline of a few steps, not of the whole run.
          if (capture !== 'never') {
            const small = await runSchedule(shrunk.schedule, model, { ...base, logsDir: out, file: `chaos-${seed}-shrunk.yaml`, capture, title: `chaos seed ${seed}, shrunk` })
            if (small.result.bundle) {
              report.shrunk.bundle = small.result.bundle.dir
              process.stdout.write(`its failure bundle: ${small.result.bundle.dir}/ (${small.result.bundle.capture ? `capture.pcap, ${small.result.bundle.packetsCaptured} TCP packets` : small.result.bundle.captureNote}; timeline.txt)\n`)
            }
          }
        }
        if (outcome.violation) failed.push({ seed, rule: outcome.violation.rule })
        await writeFile(join(out, runs > 1 ? `report-${seed}.json` : 'report.json'), `${JSON.stringify(report, null, 2)}\n`)
        if (replayed) break
      }
      await target.settle?.()
      if (interrupts.signal.aborted) process.exit(interrupts.exitCode)
      if (runs > 1) {
        process.stdout.write(`\n${runs - failed.length} of ${runs} seeds passed${failed.length ? `; failed: ${failed.map((f) => `${f.seed} (${f.rule})`).join(', ')}` : ''}\n`)
      }
      process.exit(failed.length > 0 ? EXIT.SCENARIO_FAILED : EXIT.OK)
    } catch (error) {
      if (interrupts.signal.aborted) {
        await target?.settle?.()
        process.exit(interrupts.exitCode)
      }
      fail(error, 'socklab chaos')
    }
  },
}

function faultList(given: string, socklab: boolean): FaultKind[] {
  const names = given.split(',').map((f) => f.trim()).filter(Boolean)
  for (const name of names) if (!(FAULT_KINDS as readonly string[]).includes(name)) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `--faults takes ${FAULT_KINDS.join(', ')}, not ${name}`)
  // Another server is not known to log a shutdown: a restart is left out of its schedule.
  return (names as FaultKind[]).filter((f) => socklab || !SOCKLAB_ONLY.includes(f))
}


function compareOutcomes(first: readonly HistoryEntry[], second: readonly HistoryEntry[]): Array<{ step: string; first: string; second: string }> {
  const length = Math.max(first.length, second.length)
  const differences: Array<{ step: string; first: string; second: string }> = []
  for (let i = 0; i < length; i += 1) {
    const a = first[i]?.outcome ?? 'absent'
    const b = second[i]?.outcome ?? 'absent'
    if (a !== b) differences.push({ step: first[i]?.step ?? second[i]!.step, first: a, second: b })
  }
  return differences
}

function summary(report: ChaosReport, outcome: ChaosOutcome): string {
  const counts = new Map<string, number>()
  for (const h of report.history) counts.set(h.outcome, (counts.get(h.outcome) ?? 0) + 1)
  const tally = [...counts].map(([k, v]) => `${v} ${k}`).join(', ')
  const seconds = Math.round(outcome.result.durationMs / 100) / 10
  const covered = report.coverage.length ? report.coverage.map((c) => `${c.kind} ×${c.times}${c.midTransfer ? ` (${c.midTransfer} mid-transfer)` : ''}${c.whileFull ? ` (${c.whileFull} while full)` : ''}${c.atConnect ? ` (${c.atConnect} at connect)` : ''}${c.withClientsIn ? ` (${c.withClientsIn} with clients in)` : ''}`).join(', ') : 'no fault ran'
  const head = `${report.schedule.ops.length} operations of ${report.schedule.clients.length} clients in ${seconds} s: ${tally}\ncovered: ${covered}\n`
  const v = report.violation
  if (!v) return `${head}no violation\n`
  const led = v.leadingTo.map((o) => `  #${o.index} ${describeOp(o)}`).join('\n')
  return `${head}VIOLATION of "${v.says}" at ${v.step}: ${v.reason}${v.expected ? `\n  expected: ${v.expected}` : ''}${v.actual ? `\n  actual:   ${v.actual}` : ''}\nleading to it:\n${led}\n`
}

function describeOp(op: ChaosSchedule['ops'][number]): string {
  switch (op.op) {
    case 'echo':
      return `${op.client} echo ${JSON.stringify(op.text)}`
    case 'get':
      return `${op.client} get ${op.file}`
    case 'leave':
      return `${op.client} leaves (${op.how})`
    case 'reset-mid-get':
      return `${op.client} get ${op.file}, reset after ${op.after} bytes`
    case 'blackhole':
      return `${op.client} link becomes a black hole`
    case 'unstall':
      return `${op.client} link reset (out of its black hole)`
    case 'close-mid-get':
      return `${op.client} get ${op.file}, the link closed after ${op.after} bytes`
    case 'reset-on-reply':
      return `${op.client} ${op.command === 'status' ? 'status' : `echo ${JSON.stringify(op.text)}`}, reset as its reply crosses`
    case 'link':
      return `${op.client} link ${op.fault}${op.fault === 'clear' ? '' : ` ${op.value}`}${op.jitter ? ` ±${op.jitter}` : ''}`
    case 'restart':
      return 'server restart'
    default:
      return `${op.client} ${op.op}`
  }
}
