import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { Argv, CommandModule } from 'yargs'
import { SocklabError } from '../errors/socklab-error.js'
import { ConsoleProgress } from '../scenario/reports/console-progress.js'
import { junitReport } from '../scenario/reports/junit-report.js'
import { markdownReport } from '../scenario/reports/markdown-report.js'
import { loadScenarios, selectScenarios } from '../scenario/scenario-catalog.js'
import type { ScenarioResult } from '../scenario/scenario-result.js'
import { runScenario } from '../scenario/scenario-runner.js'
import { DockerTarget } from '../scenario/targets/docker-target.js'
import { LocalTarget } from '../scenario/targets/local-target.js'
import { RemoteTarget } from '../scenario/targets/remote-target.js'
import type { ScenarioTarget } from '../scenario/targets/scenario-target.js'
import { EXIT } from './exit-codes.js'
import { fail } from './fail.js'
import { parseHostPort } from './host-port.js'

const REPORT_KINDS = ['junit', 'md'] as const
type ReportRequest = { kind: (typeof REPORT_KINDS)[number]; path: string }

const dirOption = (yargs: Argv) =>
  yargs.option('dir', { type: 'string', default: 'scenarios', describe: 'folder of scenario files (*.yaml)' })

const listCommand: CommandModule = {
  command: 'list',
  describe: 'list the scenarios',
  builder: dirOption,
  handler: async (argv) => {
    try {
      for (const s of await loadScenarios(String(argv.dir))) {
        process.stdout.write(`${s.name.padEnd(24)} ${s.clients.length} clients, ${s.steps.length} steps  ${s.description.trim().split('\n')[0]}\n`)
      }
    } catch (error) {
      fail(error, 'socklab scenario')
    }
  },
}

const runCommand: CommandModule = {
  command: 'run [names..]',
  describe: 'run scenarios by name, or --all',
  builder: (yargs) =>
    dirOption(yargs)
      .positional('names', { type: 'string', array: true, describe: 'scenario names (see `socklab scenario list`)' })
      .option('all', { type: 'boolean', default: false, describe: 'run every scenario' })
      .option('target', {
        type: 'string',
        describe: 'docker (containers on a fresh network), local (processes on loopback) or <host>:<port> (a real server); default: docker when an engine answers, else local',
      })
      .option('image', { type: 'string', default: process.env.SOCKLAB_IMAGE ?? 'socklab:latest', describe: 'the socklab image for the docker target' })
      .option('files', { type: 'string', default: 'server_files', describe: 'the files every scenario server starts from' })
      .option('report', {
        type: 'string',
        array: true,
        describe: 'write a report: junit=<file> or md=<file> (repeatable); on failure the logs are kept beside it',
      })
      .option('logs-dir', { type: 'string', describe: 'where to keep the logs of failed scenarios (default: beside the first report)' }),
  handler: async (argv) => {
    try {
      const reports = parseReports((argv.report as string[] | undefined) ?? [])
      const scenarios = selectScenarios(await loadScenarios(String(argv.dir)), (argv.names as string[] | undefined) ?? [], argv.all === true)
      const target = await chooseTarget(argv.target as string | undefined, String(argv.image))
      const logsDir = (argv.logsDir as string | undefined) ?? (reports[0] ? dirname(reports[0].path) : undefined)
      const progress = new ConsoleProgress(process.stdout)
      const started = performance.now()
      const results: ScenarioResult[] = []
      for (const scenario of scenarios) {
        progress.scenarioStarted(scenario.name, target.name, scenario.description)
        const result = await runScenario(scenario, target, {
          shippedFiles: resolve(String(argv.files)),
          logsDir,
          onStep: (step, depth) => progress.step(step, depth),
        })
        progress.scenarioFinished(result)
        results.push(result)
      }
      await target.settle?.()
      progress.summary(results, Math.round(performance.now() - started))
      for (const report of reports) {
        await mkdir(dirname(resolve(report.path)), { recursive: true })
        await writeFile(report.path, report.kind === 'junit' ? junitReport(results) : markdownReport(results))
        process.stdout.write(`report written: ${report.path}\n`)
      }
      process.exit(results.some((r) => r.verdict === 'failed') ? EXIT.SCENARIO_FAILED : EXIT.OK)
    } catch (error) {
      fail(error, 'socklab scenario')
    }
  },
}

export const scenarioCommand: CommandModule = {
  command: 'scenario <command>',
  describe: 'list or run multi-client scenarios (scenarios/*.yaml)',
  builder: (yargs) => yargs.command(listCommand).command(runCommand).demandCommand(1, 'name a command: list or run'),
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
  if (requested === 'local') return new LocalTarget(entry())
  if (requested && requested !== 'docker') {
    const remote = parseHostPort(requested)
    if (!remote) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `--target takes docker, local or <host>:<port>, not ${requested}`)
    return new RemoteTarget(entry(), remote.host, remote.port)
  }
  const engine = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { stdio: 'ignore', timeout: 10_000 }).status === 0
  if (!engine) {
    if (requested === 'docker') throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', 'no Docker engine answers')
    process.stdout.write('No Docker engine answers: running the scenarios as local processes (--target local).\n')
    return new LocalTarget(entry())
  }
  buildImageIfMissing(image)
  return DockerTarget.connect(image)
}

/** In the repository, a missing image is built with `npm run images` rather than refused. */
function buildImageIfMissing(image: string): void {
  if (spawnSync('docker', ['image', 'inspect', image], { stdio: 'ignore' }).status === 0) return
  const script = resolve('scripts/images/build-images.sh')
  if (!existsSync(script)) return
  process.stdout.write(`The image ${image} is not built yet: building it (npm run images).\n`)
  const built = spawnSync('bash', [script], { stdio: 'inherit', env: { ...process.env, SOCKLAB_IMAGE: image } })
  if (built.status !== 0) throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', `building ${image} failed`)
}
