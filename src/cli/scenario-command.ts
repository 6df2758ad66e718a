import { existsSync, statSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type Dockerode from 'dockerode'
import type { CommandModule } from 'yargs'
import { connectEngine, engineAnswers } from '../docker/docker-engine.js'
import { DEFAULT_IMAGE, ensureImage } from '../docker/image-build.js'
import { SocklabError } from '../errors/socklab-error.js'
import { describeLeftover, sweepLeftovers } from '../ownership/leftovers.js'
import { SHIPPED_FILES, SHIPPED_SCENARIOS } from '../package/package-files.js'
import { ConsoleProgress } from '../scenario/reports/console-progress.js'
import { junitReport } from '../scenario/reports/junit-report.js'
import { markdownReport } from '../scenario/reports/markdown-report.js'
import { isBroken, loadCatalog, readScenarioFiles, selectScenarios, type BrokenScenario } from '../scenario/scenario-catalog.js'
import type { ScenarioResult } from '../scenario/scenario-result.js'
import { runScenario } from '../scenario/scenario-runner.js'
import { DockerTarget } from '../scenario/targets/docker-target.js'
import { LocalTarget } from '../scenario/targets/local-target.js'
import { RemoteTarget } from '../scenario/targets/remote-target.js'
import type { ScenarioTarget } from '../scenario/targets/scenario-target.js'
import { EXIT } from './exit-codes.js'
import { fail } from './fail.js'
import { parseHostPort } from './host-port.js'
import { watchInterrupts } from './interrupts.js'
import { finishOptions } from './yargs-options.js'

const REPORT_KINDS = ['junit', 'md'] as const
type ReportRequest = { kind: (typeof REPORT_KINDS)[number]; path: string }

const dirOption = { dir: { type: 'string', describe: 'folder of scenario files (*.yaml); default: ./scenarios, or the shipped ones when there is none' } } as const

export const scenarioListOptions = (env: NodeJS.ProcessEnv = process.env) => finishOptions({ ...dirOption }, process.argv, env)

export const scenarioRunOptions = (env: NodeJS.ProcessEnv = process.env) =>
  finishOptions({
    ...dirOption,
    all: { type: 'boolean', default: false, describe: 'run every scenario' },
    target: {
      type: 'string',
      describe: 'docker (containers on a fresh network), local (processes on loopback) or <host>:<port> (a real server); default: docker when an engine answers, else local',
    },
    image: { type: 'string', default: DEFAULT_IMAGE, describe: 'the socklab image for the docker target (built when missing)' },
    files: { type: 'string', describe: 'the files every scenario server starts from; default: ./server_files, or the shipped ones when there is none' },
    report: { type: 'string', array: true, describe: 'write a report: junit=<file> or md=<file> (repeatable); on failure the logs are kept beside it' },
    'logs-dir': { type: 'string', describe: 'where to keep the logs of failed scenarios (default: beside the first report)' },
  }, process.argv, env)

/** `--dir`, or ./scenarios, or the shipped scenarios; says which when it is not the one named. */
function scenarioDir(given: unknown): string {
  if (typeof given === 'string') return given
  if (existsSync('scenarios')) return 'scenarios'
  process.stderr.write(`No ./scenarios here: using the scenarios that ship with socklab (${SHIPPED_SCENARIOS}).\n`)
  return SHIPPED_SCENARIOS
}

function filesDir(given: unknown): string {
  const dir = typeof given === 'string' ? given : existsSync('server_files') ? 'server_files' : SHIPPED_FILES
  if (given === undefined && dir === SHIPPED_FILES) process.stderr.write(`No ./server_files here: scenario servers start from the shipped files (${SHIPPED_FILES}).\n`)
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', `the files folder ${dir} does not exist`)
  return resolve(dir)
}

const listCommand: CommandModule = {
  command: 'list',
  describe: 'list the scenarios',
  builder: (yargs) => yargs.options(scenarioListOptions()),
  handler: async (argv) => {
    try {
      const { scenarios, broken } = await loadCatalog(scenarioDir(argv.dir))
      for (const s of scenarios) {
        process.stdout.write(`${s.name.padEnd(24)} ${s.clients.length} clients, ${s.steps.length} steps  ${s.description.trim().split('\n')[0]}\n`)
      }
      // A broken file is listed with its error; it never hides the others. Exit 1 says some are broken.
      for (const b of broken) process.stdout.write(`${b.name.padEnd(24)} ✗ invalid: ${b.error}\n`)
      process.exit(broken.length > 0 ? EXIT.USAGE : EXIT.OK)
    } catch (error) {
      fail(error, 'socklab scenario')
    }
  },
}

const validateCommand: CommandModule = {
  command: 'validate [files..]',
  describe: 'check scenario files (default: every one in --dir) without running them',
  builder: (yargs) =>
    yargs.positional('files', { type: 'string', array: true, describe: 'scenario files (*.yaml)' }).options(scenarioListOptions()),
  handler: async (argv) => {
    try {
      const files = (argv.files as string[] | undefined) ?? []
      const catalog = files.length > 0 ? await readScenarioFiles(files.map((f) => resolve(f))) : await loadCatalog(scenarioDir(argv.dir))
      for (const s of catalog.scenarios) process.stdout.write(`✓ ${s.file}\n`)
      for (const b of catalog.broken) process.stdout.write(`✗ ${b.error}\n`)
      process.stdout.write(`${catalog.scenarios.length} valid, ${catalog.broken.length} invalid\n`)
      process.exit(catalog.broken.length > 0 ? EXIT.USAGE : EXIT.OK)
    } catch (error) {
      fail(error, 'socklab scenario')
    }
  },
}

const runCommand: CommandModule = {
  command: 'run [names..]',
  describe: 'run scenarios by name, or --all',
  builder: (yargs) =>
    yargs.positional('names', { type: 'string', array: true, describe: 'scenario names (see `socklab scenario list`)' }).options(scenarioRunOptions()),
  handler: async (argv) => {
    const interrupts = watchInterrupts('socklab scenario')
    let target: ScenarioTarget | undefined
    try {
      const reports = parseReports((argv.report as string[] | undefined) ?? [])
      const scenarios = selectScenarios(await loadCatalog(scenarioDir(argv.dir)), (argv.names as string[] | undefined) ?? [], argv.all === true)
      const files = filesDir(argv.files)
      target = await chooseTarget(argv.target as string | undefined, String(argv.image))
      const logsDir = (argv.logsDir as string | undefined) ?? (reports[0] ? dirname(reports[0].path) : undefined)
      const progress = new ConsoleProgress(process.stdout)
      const started = performance.now()
      const results: ScenarioResult[] = []
      for (const scenario of scenarios) {
        if (interrupts.signal.aborted) break
        if (isBroken(scenario)) {
          // Reported as an errored case, in its place; the others run.
          const errored = brokenResult(scenario, target.name)
          progress.scenarioStarted(scenario.name, target.name, '')
          progress.scenarioFinished(errored)
          results.push(errored)
          continue
        }
        progress.scenarioStarted(scenario.name, target.name, scenario.description)
        const result = await runScenario(scenario, target, {
          shippedFiles: files,
          logsDir,
          signal: interrupts.signal,
          onStep: (step, depth) => progress.step(step, depth),
        })
        progress.scenarioFinished(result)
        results.push(result)
      }
      await target.settle?.()
      if (interrupts.signal.aborted) process.exit(interrupts.exitCode)
      progress.summary(results, Math.round(performance.now() - started))
      for (const report of reports) {
        await mkdir(dirname(resolve(report.path)), { recursive: true })
        await writeFile(report.path, report.kind === 'junit' ? junitReport(results) : markdownReport(results))
        process.stdout.write(`report written: ${report.path}\n`)
      }
      const unavailable = results.find((r) => r.unavailable)
      if (unavailable) throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', unavailable.unavailable!)
      process.exit(results.some((r) => r.verdict === 'failed') ? EXIT.SCENARIO_FAILED : EXIT.OK)
    } catch (error) {
      if (interrupts.signal.aborted) {
        await target?.settle?.()
        process.exit(interrupts.exitCode)
      }
      fail(error, 'socklab scenario')
    }
  },
}

export const scenarioCommand: CommandModule = {
  command: 'scenario <command>',
  describe: 'list, validate or run multi-client scenarios (scenarios/*.yaml)',
  builder: (yargs) => yargs.command(listCommand).command(validateCommand).command(runCommand).demandCommand(1, 'name a command: list, validate or run'),
  handler: () => undefined,
}

function parseReports(requests: readonly string[]): ReportRequest[] {
  return requests.map((request) => {
    const [kind, ...rest] = request.split('=')
    const path = rest.join('=')
    if (!REPORT_KINDS.includes(kind as ReportRequest['kind']) || !path) {
      throw new SocklabError('SOCKLAB_CONFIG_INVALID', `--report takes junit=<file> or md=<file>, not ${request}`)
    }
    return { kind: kind as ReportRequest['kind'], path }
  })
}

/** The CLI script that started this process: scenario clients and local servers run the same one. */
const entry = (): string => process.argv[1]!

async function chooseTarget(requested: string | undefined, image: string): Promise<ScenarioTarget> {
  if (requested === 'local' || (requested === undefined && !(await engineAnswers()))) {
    if (requested === undefined) process.stdout.write('No Docker engine answers: running the scenarios as local processes (--target local).\n')
    await sweep()
    return new LocalTarget(entry())
  }
  if (requested !== undefined && requested !== 'docker') {
    const remote = parseHostPort(requested)
    if (!remote) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `--target takes docker, local or <host>:<port>, not ${requested}`)
    await sweep()
    return new RemoteTarget(entry(), remote.host, remote.port)
  }
  const docker = await connectEngine()
  await sweep(docker)
  await ensureImage(docker, image, (line) => process.stdout.write(`${line}\n`))
  return new DockerTarget(docker, image)
}

/** Removes what earlier runs whose process is gone left behind (never what a running process owns). */
async function sweep(docker?: Dockerode): Promise<void> {
  const removed = await sweepLeftovers({ docker })
  if (removed.length > 0) process.stderr.write(`Removed ${removed.length} leftovers of earlier runs that were interrupted:\n${removed.map((l) => `  ${describeLeftover(l)}\n`).join('')}`)
}

/** A scenario file that could not be read or checked, as a failed result with its reason. */
function brokenResult(broken: BrokenScenario, target: string): ScenarioResult {
  return { name: broken.name, description: '', file: broken.file, target, verdict: 'failed', durationMs: 0, steps: [], messages: [], serverLog: [], artifacts: [], error: broken.error }
}
