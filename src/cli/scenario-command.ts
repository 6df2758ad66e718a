import { classroomCommand } from './classroom-command.js'
import { existsSync, statSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { Argv, CommandModule } from 'yargs'
import { DEFAULT_IMAGE } from '../docker/image-build.js'
import { DEFAULT_CONTAINER_STARTS } from '../docker/start-turns.js'
import { SocklabError } from '../errors/socklab-error.js'
import { SHIPPED_FILES, SHIPPED_SCENARIOS } from '../package/package-files.js'
import { ConsoleProgress, type Detail } from '../scenario/reports/console-progress.js'
import { htmlReport } from '../scenario/reports/html-report.js'
import { jsonReport } from '../scenario/reports/json-report.js'
import { junitReport } from '../scenario/reports/junit-report.js'
import { markdownReport } from '../scenario/reports/markdown-report.js'
import { passRateTable } from '../scenario/reports/pass-rates.js'
import { compatibilityReport, compatibilityTable } from '../scenario/reports/compatibility-table.js'
import { loadServerSpec, type ServerSpec } from '../lab/server-spec.js'
import { EXTENSION_TAG, isBroken, loadCatalog, readScenarioFiles } from '../scenario/scenario-catalog.js'
import { scenarioSchema } from '../scenario/scenario-schema.js'
import { checkGivenVars, selectScenarios } from '../scenario/scenario-selection.js'
import { parseVarOptions, type VarOverrides } from '../scenario/scenario-vars.js'
import type { ScenarioResult } from '../scenario/scenario-result.js'
import { runSuite } from '../scenario/suite-runner.js'
import { loadTopology } from '../lab/topology.js'
import { DEFAULT_SUBNET_WAIT_MS, DockerTarget } from '../scenario/targets/docker-target.js'
import type { ScenarioTarget } from '../scenario/targets/scenario-target.js'
import { EXIT } from './exit-codes.js'
import { fail } from './fail.js'
import { watchInterrupts } from './interrupts.js'
import { finishOptions } from './yargs-options.js'
import { wholeNumber } from './whole-number.js'
import { chooseTarget } from './target-choice.js'
import { ScenarioWatch } from '../lab/scenario-watch.js'
import { startLabApi, type LabApi } from '../lab/lab-api.js'
import { plural } from '../text/plural.js'
import { captureMode, captureOption } from './capture-option.js'

const REPORT_KINDS = ['junit', 'md', 'html', 'json', 'compat'] as const
const REPORTERS: Record<(typeof REPORT_KINDS)[number], (results: ScenarioResult[], extensions: ReadonlySet<string>, path: string) => string> = {
  junit: junitReport,
  md: markdownReport,
  html: (results, _extensions, path) => htmlReport(results, { dir: dirname(path) }),
  json: (results) => jsonReport(results),
  compat: (results, extensions) => compatibilityReport(results, extensions),
}
type ReportRequest = { kind: (typeof REPORT_KINDS)[number]; path: string }

const dirOption = { dir: { type: 'string', describe: 'folder of scenario files (*.yaml); default: ./scenarios, or the shipped ones when there is none' } } as const
const varOption = {
  var: { type: 'string', array: true, describe: 'set a scenario variable: name=value (repeatable; beats SOCKLAB_VAR_<NAME> and the file)' },
} as const

/** How much the console says: --quiet a line per scenario and a summary, --verbose each scenario's description too. */
export const detailOptions = {
  quiet: { alias: 'q', type: 'boolean', default: false, describe: 'a line per scenario and a summary (the reports still have every step)' },
  verbose: { type: 'boolean', default: false, describe: "also each scenario's description" },
} as const

export const detailOf = (argv: Record<string, unknown>): Detail => (argv.quiet === true ? 'quiet' : argv.verbose === true ? 'verbose' : 'normal')

export const scenarioListOptions = (env: NodeJS.ProcessEnv = process.env) => finishOptions({ ...dirOption, ...varOption }, process.argv, env)

export const scenarioRunOptions = (env: NodeJS.ProcessEnv = process.env) =>
  finishOptions({
    ...dirOption,
    ...varOption,
    all: { type: 'boolean', default: false, describe: 'run every scenario of the folder' },
    tag: { type: 'string', array: true, describe: 'run only scenarios with this tag (repeatable: any of them)' },
    repeat: { type: 'number', default: 1, describe: 'run each scenario this many times and end with a pass-rate table (to find flakes)' },
    parallel: { type: 'number', default: 1, describe: 'run this many scenarios at once, each with its own server, clients and network' },
    bail: { type: 'boolean', default: false, describe: 'start nothing more after the first failure' },
    ...detailOptions,
    target: {
      type: 'string',
      describe: 'docker (containers on a fresh network), local (processes on loopback) or <host>:<port> (a real server); default: docker when an engine answers, else local',
    },
    image: { type: 'string', default: DEFAULT_IMAGE, describe: 'the socklab image for the docker target (built when missing)' },
    'container-starts': {
      type: 'number',
      default: DEFAULT_CONTAINER_STARTS,
      describe: 'on the docker target: how many client containers start at once, all runs together (a crowd starts in turns; more at once only slows each one)',
    },
    server: {
      type: 'string',
      array: true,
      describe: 'the server under test: socklab (default), original (the original Python server), a server spec file, or a server.py (or a folder with one) run as written on the docker target; repeat it to compare servers in a table',
    },
    topology: { type: 'string', describe: "lay every scenario's lab out as rooms: subnets with a router between them, seed-lab (the assignment's rooms) or a topology file; docker target only (docs/topology.md)" },
    'subnet-wait-ms': { type: 'number', default: DEFAULT_SUBNET_WAIT_MS, describe: 'on the docker target: how long a run waits for another socklab process to give back a lab subnet it needs (a fixed address, a topology)' },
    files: { type: 'string', describe: 'the files every scenario server starts from; default: ./server_files, or the shipped ones when there is none' },
    dashboard: { type: 'boolean', default: false, describe: 'watch the run on the lab dashboard as it happens (127.0.0.1); the run starts once the page is open, or after --dashboard-wait-ms' },
    'dashboard-port': { type: 'number', default: 0, describe: 'the port of the --dashboard page (0: any free one)' },
    'dashboard-wait-ms': { type: 'number', default: 60_000, describe: 'with --dashboard: how long to wait for the page before the run starts anyway' },
    report: { type: 'string', array: true, describe: 'write a report: junit=<file>, md=<file>, html=<file> (one self-contained page) or json=<file>, or compat=<file> (the table of scenarios against each --server, Markdown) (repeatable); on failure the logs are kept beside it' },
    'logs-dir': { type: 'string', describe: 'where to keep the failure bundles of failed scenarios: logs, transcripts, capture, timeline (default: beside the first report)' },
    ...captureOption,
  }, process.argv, env)

/** `--dir`, or ./scenarios, or the shipped scenarios; says which when it is not the one named. */
function scenarioDir(given: unknown): string {
  if (typeof given === 'string') return given
  if (existsSync('scenarios')) return 'scenarios'
  process.stderr.write(`No ./scenarios here: using the scenarios that ship with socklab (${SHIPPED_SCENARIOS}).\n`)
  return SHIPPED_SCENARIOS
}

export function filesDir(given: unknown): string {
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
      const { scenarios, broken } = await loadCatalog(scenarioDir(argv.dir), overridesFrom(argv.var))
      for (const s of scenarios) {
        const tags = s.tags.length > 0 ? `  [${s.tags.join(', ')}]` : ''
        process.stdout.write(`${s.name.padEnd(24)} ${plural(s.clients.length, 'client')}, ${plural(s.steps.length, 'step')}  ${s.description.trim().split('\n')[0]}${tags}\n`)
      }
      // A broken file is listed with its first problem (validate shows them all); it never hides the others. Exit 1 says some are broken.
      for (const b of broken) process.stdout.write(`${b.name.padEnd(24)} ✗ invalid: ${b.problems[0]}${b.problems.length > 1 ? ` (and ${b.problems.length - 1} more)` : ''}\n`)
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
      const overrides = overridesFrom(argv.var)
      const catalog = files.length > 0 ? await readScenarioFiles(files.map((f) => resolve(f)), overrides) : await loadCatalog(scenarioDir(argv.dir), overrides)
      for (const s of catalog.scenarios) process.stdout.write(`✓ ${s.file}\n`)
      for (const b of catalog.broken) process.stdout.write(`✗ ${b.file}: ${plural(b.problems.length, 'problem')}\n${b.problems.map((p) => `    ${p}\n`).join('')}`)
      const problems = catalog.broken.reduce((sum, b) => sum + b.problems.length, 0)
      process.stdout.write(`${catalog.scenarios.length} valid, ${catalog.broken.length} invalid${problems > 0 ? ` (${plural(problems, 'problem')})` : ''}\n`)
      process.exit(catalog.broken.length > 0 ? EXIT.USAGE : EXIT.OK)
    } catch (error) {
      fail(error, 'socklab scenario')
    }
  },
}

const runCommand: CommandModule = {
  command: 'run [scenarios..]',
  describe: 'run scenarios by name, file or glob, by --tag, or --all',
  builder: (yargs) =>
    yargs
      .positional('scenarios', { type: 'string', array: true, describe: 'names (see `socklab scenario list`), name globs (reset-*), files or file globs (suite/*.yaml)' })
      .options(scenarioRunOptions()),
  handler: async (argv) => {
    const interrupts = watchInterrupts('socklab scenario')
    let target: ScenarioTarget | undefined
    try {
      const reports = parseReports((argv.report as string[] | undefined) ?? [])
      const repeat = wholeNumber(argv.repeat, '--repeat')
      const parallel = wholeNumber(argv.parallel, '--parallel')
      const containerStarts = wholeNumber(argv.containerStarts, '--container-starts')
      const overrides = overridesFrom(argv.var)
      let selected = await selectScenarios(
        scenarioDir(argv.dir),
        { selectors: (argv.scenarios as string[] | undefined) ?? [], all: argv.all === true, tags: (argv.tag as string[] | undefined) ?? [] },
        overrides,
      )
      checkGivenVars(selected, overrides.given)
      if (typeof argv.topology === 'string') {
        const topology = loadTopology(argv.topology)
        selected = selected.map((s) => (isBroken(s) ? s : { ...s, topology }))
      }
      const extensions = new Set(selected.flatMap((s) => (!isBroken(s) && s.tags.includes(EXTENSION_TAG) ? [s.name] : [])))
      if (selected.length === 0) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `no scenario has the tag ${((argv.tag as string[]) ?? []).join(' or ')}`)
      const files = filesDir(argv.files)
      // Without --server, each scenario runs against its own `server.spec` (socklab's by default).
      const given = argv.server as string[] | undefined
      const servers = given ? await Promise.all(given.map((name) => loadServerSpec(name))) : [undefined]
      const named = servers.filter((s): s is ServerSpec => s !== undefined)
      // socklab's clients connect where the server binds; a client.py beside it that would not is worth saying.
      for (const s of named) if (s.asWritten?.clientMismatch) process.stderr.write(`warning: ${s.name}: ${s.asWritten.clientMismatch}\n`)
      target = await chooseTarget(targetFor(named, argv.target as string | undefined), String(argv.image), { containerStarts, subnetWaitMs: wholeNumber(argv.subnetWaitMs, '--subnet-wait-ms') })
      if (target instanceof DockerTarget) for (const server of named) if (server.kind === 'command') await target.serverImage(server)
      const watching = argv.dashboard === true ? await watchOnDashboard(Number(argv.dashboardPort), Number(argv.dashboardWaitMs)) : undefined
      const logsDir = (argv.logsDir as string | undefined) ?? (reports[0] ? dirname(reports[0].path) : undefined)
      const capture = captureMode(argv, logsDir)
      const progress = new ConsoleProgress(process.stdout, parallel > 1, detailOf(argv))
      const started = performance.now()
      const runTarget = target
      const results: ScenarioResult[] = []
      let notRun = 0
      for (const server of servers) {
        if (interrupts.signal.aborted) break
        const against = server === undefined || server.kind === 'socklab' ? '' : ` @ ${server.name}`
        const suite = await runSuite(selected, runTarget, {
          shippedFiles: files,
          logsDir,
          capture,
          signal: interrupts.signal,
          repeat,
          parallel,
          bail: argv.bail === true,
          server,
          ...(watching ? { onPrepared: (prepared) => watching.watch.attach(prepared) } : {}),
          onRun: ({ scenario, round, rounds }) => {
            const shown = progress.run(`${scenario.name}${against}${round ? ` (round ${round} of ${rounds})` : ''}`, runTarget.name, 'description' in scenario ? scenario.description : '')
            if (!watching) return shown
            return {
              step: (result, depth) => (shown.step(result, depth), watching.watch.step(result, depth)),
              finished: (result) => (shown.finished(result), watching.watch.finished(result)),
            }
          },
        })
        results.push(...suite.results)
        notRun += suite.notRun
      }
      await target.settle?.()
      await watching?.api.close()
      if (interrupts.signal.aborted) process.exit(interrupts.exitCode)
      progress.summary(results, Math.round(performance.now() - started), notRun)
      if (repeat > 1) process.stdout.write(passRateTable(results))
      if (named.length > 1) process.stdout.write(`\nCompatibility (${runTarget.name} target):\n\n${compatibilityTable(results, named.map((s) => s.name), extensions)}`)
      for (const report of reports) {
        await mkdir(dirname(resolve(report.path)), { recursive: true })
        await writeFile(report.path, REPORTERS[report.kind](results, extensions, report.path))
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

/** `--var` options and the SOCKLAB_VAR_<NAME> environment, read once. */
function overridesFrom(given: unknown): VarOverrides {
  return { given: parseVarOptions((given as string[] | undefined) ?? []), env: process.env }
}


const schemaCommand: CommandModule = {
  command: 'schema',
  describe: "print the JSON Schema of scenario files (for editors; it also ships as schema/scenario.schema.json)",
  handler: () => {
    process.stdout.write(`${JSON.stringify(scenarioSchema(), null, 2)}\n`)
  },
}

let scenarioYargs: Argv | undefined

export const scenarioCommand: CommandModule = {
  command: 'scenario',
  describe: 'list, validate or run multi-client scenarios (scenarios/*.yaml), or print their JSON Schema or a GitHub Classroom workflow',
  builder: (yargs) => (scenarioYargs = yargs.command(listCommand).command(validateCommand).command(runCommand).command(schemaCommand).command(classroomCommand)),
  // `socklab scenario` alone: its help (the four commands and what they do).
  handler: () => void scenarioYargs?.showHelp('log'),
}

function parseReports(requests: readonly string[]): ReportRequest[] {
  return requests.map((request) => {
    const [kind, ...rest] = request.split('=')
    const path = rest.join('=')
    if (!REPORT_KINDS.includes(kind as ReportRequest['kind']) || !path) {
      throw new SocklabError('SOCKLAB_CONFIG_INVALID', `--report takes junit=<file>, md=<file>, html=<file>, json=<file> or compat=<file>, not ${request}`)
    }
    return { kind: kind as ReportRequest['kind'], path }
  })
}

/**
 * The target asked for, checked against the servers under test: a host:port is a server already running,
 * so it takes none; a server without a docker section runs on the local target, chosen for it when no
 * target is asked for.
 */
function targetFor(servers: readonly ServerSpec[], requested: string | undefined): string | undefined {
  const others = servers.filter((s) => s.kind !== 'socklab')
  if (others.length === 0) return requested
  if (requested !== undefined && requested !== 'local' && requested !== 'docker') {
    throw new SocklabError('SOCKLAB_CONFIG_INVALID', `--target ${requested} is a server already running: --server ${others[0]!.name} needs --target docker or local, where socklab starts it`)
  }
  const localOnly = others.find((s) => !s.docker)
  if (localOnly && requested === 'docker') {
    throw new SocklabError('SOCKLAB_CONFIG_INVALID', `--server ${localOnly.name} has no \`docker:\` section in its spec, so it runs on the local target only: use --target local, or see docs/servers.md`)
  }
  return localOnly ? 'local' : requested
}


/** `--dashboard`: the lab dashboard, following the run; waits (a while) for the page to open first. */
async function watchOnDashboard(port: number, waitMs: number): Promise<{ watch: ScenarioWatch; api: LabApi }> {
  const watch = new ScenarioWatch()
  const api = await startLabApi(watch, { host: '127.0.0.1', port, onDown: () => undefined })
  process.stdout.write(`Watch the run: ${api.url} (it starts once the page is open, or in ${Math.round(waitMs / 1000)} s)\n`)
  const waited = new Promise<void>((resolve) => setTimeout(resolve, waitMs).unref())
  await Promise.race([api.watched, waited])
  return { watch, api }
}
