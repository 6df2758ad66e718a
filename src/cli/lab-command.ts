import { spawn } from 'node:child_process'
import { closeSync, existsSync, openSync } from 'node:fs'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import type { CommandModule } from 'yargs'
import { SOCKLAB_ERROR_CODES, SocklabError, type SocklabErrorCode } from '../errors/socklab-error.js'
import { JsonLineReader } from '../events/json-lines.js'
import { Lab } from '../lab/lab.js'
import { isLoopbackHost, startLabApi } from '../lab/lab-api.js'
import { labGraph } from '../lab/lab-graph.js'
import { checkLabName, ensureLabDir, labLogPath, readLabRecord, removeLabRecord, writeLabRecord, type LabRecord } from '../lab/lab-record.js'
import type { ExecResult, LabView } from '../lab/lab-view.js'
import { loadServerSpec, type ServerSpec } from '../lab/server-spec.js'
import { clientServerMismatch, sourceConstants } from '../lab/source-constants.js'
import type { ProgramSource } from '../scenario/targets/scenario-target.js'
import { loadTopology } from '../lab/topology.js'
import { deploySwarmLab, describeSwarmLab, removeSwarmLab, stackName, swarmLabView, waitForVerdict } from '../lab/swarm-lab.js'
import { connectEngine, engineAnswers } from '../docker/docker-engine.js'
import { DEFAULT_IMAGE, ensureImage } from '../docker/image-build.js'
import { parseLinkText } from '../relay/link-spec.js'
import { currentOwner, ownerState } from '../ownership/owner.js'
import { SHIPPED_FILES } from '../package/package-files.js'
import { DockerTarget } from '../scenario/targets/docker-target.js'
import { EXIT, exitCodeFor } from './exit-codes.js'
import { fail } from './fail.js'
import { chooseTarget, entry, sweep } from './target-choice.js'
import { finishOptions } from './yargs-options.js'
import { watchInterrupts } from './interrupts.js'
import { labTitle } from '../lab/lab-record.js'

/** How long `lab up` waits for its owner to have the lab up (an image build on the way included). */
const UP_TIMEOUT_MS = 10 * 60_000
/** How long `lab down` waits for the owner to have taken everything down. */
const DOWN_TIMEOUT_MS = 2 * 60_000

export const labOptions = (env: NodeJS.ProcessEnv = process.env) =>
  finishOptions({ name: { type: 'string', default: 'lab', describe: 'which lab (several can be up side by side)' } }, process.argv, env)

export const labUpOptions = (env: NodeJS.ProcessEnv = process.env) =>
  finishOptions(
    {
      name: { type: 'string', default: 'lab', describe: 'the lab\'s name (several can be up side by side)' },
      clients: { type: 'number', default: 3, describe: 'clients made at once (c1 … cN), idle until they connect' },
      'max-clients': { type: 'number', describe: "the server's client limit (default: the server's own, 3)" },
      server: { type: 'string', default: 'socklab', describe: 'the server: socklab, original (the original Python server), a server spec file, or a server.py (or a folder with one) run as written on the docker target' },
      topology: { type: 'string', describe: "lay the lab out as rooms: subnets with a router between them, seed-lab (the assignment's rooms) or a topology file; docker target only (docs/topology.md)" },
      target: { type: 'string', describe: 'docker (containers on a network of the lab\'s own) or local (processes on loopback); default: docker when an engine answers' },
      image: { type: 'string', default: DEFAULT_IMAGE, describe: 'the socklab image on the docker target (built when missing)' },
      files: { type: 'string', describe: 'the folder the server serves (a copy); default: ./server_files, or the shipped ones' },
      'client-py': { type: 'string', describe: "also run a client.py as written as the lab client `student` (docker target): a client.py, or a folder holding one (the server's own); `lab exec student <line>` types on its console" },
      link: { type: 'string', describe: "every client connects through a relay of its own with these conditions ('{}': none yet; `lab exec <client> link …` changes them)" },
      dashboard: { type: 'boolean', default: false, describe: 'say where the dashboard is (it is always served while the lab is up)' },
      'dashboard-port': { type: 'number', default: 0, describe: 'the port of the dashboard and the lab\'s API (0: any free one)' },
      'dashboard-host': { type: 'string', default: '127.0.0.1', describe: 'the address the dashboard listens on; anything but loopback lets others on the network drive the lab' },
      engine: { type: 'string', choices: ['swarm'], describe: 'swarm: deploy the lab as a stack on Docker Swarm, clients spread over its nodes, each running the demo session once (docs/swarm.md)' },
      'hold-ms': { type: 'number', default: 8_000, describe: 'with --engine swarm: how long each client keeps its slot, so that they overlap' },
      json: { type: 'boolean', default: false, describe: 'print the lab as JSON' },
    },
    process.argv,
    env,
  )

/** The lab client that runs a client.py as written (`--client-py`). */
const STUDENT_CLIENT = 'student'

/** The client.py `--client-py` names (a file, or a folder holding one), and where it would connect elsewhere than the server binds. */
async function studentClient(given: string, spec: ServerSpec): Promise<{ source: ProgramSource; mismatch?: string }> {
  const named = resolve(given)
  const file = (await stat(named).catch(() => undefined))?.isDirectory() ? join(named, 'client.py') : named
  const text = await readFile(file, 'utf8').catch((error: Error) => {
    throw new SocklabError('SOCKLAB_CONFIG_INVALID', `--client-py: cannot read ${file}: ${error.message}`)
  })
  const mismatch = spec.asWritten ? clientServerMismatch(sourceConstants(await readFile(spec.asWritten.source, 'utf8')), sourceConstants(text)) : undefined
  return { source: { dir: dirname(file), file: basename(file) }, ...(mismatch ? { mismatch } : {}) }
}

const upCommand: CommandModule = {
  command: 'up',
  describe: 'bring up a lab that stays: a server and idle clients, owned by a background process',
  builder: (yargs) => yargs.options(labUpOptions()),
  handler: labHandler('socklab lab up', async (argv) => {
    const name = checkLabName(String(argv.name))
    const existing = readLabRecord(name)
    // A Swarm lab has no owner process: its record stands until `lab down`.
    if (existing && (existing.engine === 'swarm' || ownerState(existing.owner) !== 'gone')) {
      throw new SocklabError('SOCKLAB_CONFIG_INVALID', `a lab named ${name} is up (${existing.url || existing.target}): socklab lab down --name ${name} first, or pick another --name`)
    }
    if (existing) removeLabRecord(name)
    if (argv.engine === 'swarm') return await upOnSwarm(name, argv)
    const host = String(argv.dashboardHost)
    if (!isLoopbackHost(host)) {
      process.stderr.write(`socklab: warning: the dashboard listens on ${host}: anyone who can reach it can drive this lab (connect clients, restart the server, take it down)\n`)
    }
    using interrupts = watchInterrupts('socklab lab up')
    const record = await startOwner(name, process.argv.slice(process.argv.indexOf('up') + 1), interrupts.signal)
    const view = await api<LabView>(record, 'GET', '/api/status')
    if (argv.json === true) process.stdout.write(`${JSON.stringify({ ...record, view }, null, 2)}\n`)
    else {
      process.stdout.write(describeLab(record, view))
      process.stdout.write(`\nDrive it: socklab lab exec${nameFlag(name)} c1 connect · socklab lab status${nameFlag(name)} · socklab lab down${nameFlag(name)}\n`)
      if (argv.dashboard === true) process.stdout.write(`Dashboard: ${record.url}\n`)
    }
  }),
}

/** The owner: the lab's background process, started by `lab up` (not meant to be run by hand). */
const serveCommand: CommandModule = {
  command: 'serve',
  describe: false,
  builder: (yargs) => yargs.options(labUpOptions()),
  handler: async (argv) => {
    const name = checkLabName(String(argv.name))
    const say = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`)
    let lab: Lab | undefined
    try {
      const spec = await loadServerSpec(String(argv.server))
      const target = await chooseTarget(argv.target as string | undefined, String(argv.image))
      if (target instanceof DockerTarget && spec.kind === 'command') await target.serverImage(spec)
      const files = typeof argv.files === 'string' ? argv.files : existsSync('server_files') ? 'server_files' : SHIPPED_FILES
      const link = typeof argv.link === 'string' ? parseLinkText(argv.link, '--link').link : undefined
      const topology = typeof argv.topology === 'string' ? loadTopology(argv.topology) : undefined
      const program = typeof argv.clientPy === 'string' ? await studentClient(argv.clientPy, spec) : undefined
      lab = await Lab.start({ name, target, server: spec, clients: Number(argv.clients), maxClients: argv.maxClients as number | undefined, files, ...(link ? { link } : {}), ...(topology ? { topology } : {}), ...(program ? { programs: [{ name: STUDENT_CLIENT, program: program.source }] } : {}) })
      if (program?.mismatch) lab.watch.note(`warning: ${program.mismatch}`, STUDENT_CLIENT)
      let stopping: Promise<void> | undefined
      const stop = () => {
        stopping ??= (async () => {
          await labApi.close()
          await lab!.close()
          removeLabRecord(name)
          process.exit(EXIT.OK)
        })()
      }
      const labApi = await startLabApi(lab, { host: String(argv.dashboardHost), port: Number(argv.dashboardPort), onDown: stop })
      for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, stop)
      const record: LabRecord = {
        name,
        owner: currentOwner(),
        url: labApi.url,
        target: target.name,
        server: spec.name,
        startedAt: new Date().toISOString(),
        log: labLogPath(name),
      }
      writeLabRecord(record)
      say({ ready: true, record })
    } catch (error) {
      await lab?.close().catch(() => undefined)
      say({ ready: false, error: (error as Error).message, code: error instanceof SocklabError ? error.code : undefined })
      process.exit(error instanceof SocklabError ? exitCodeFor(error.code) : EXIT.INTERNAL)
    }
  },
}

const statusCommand: CommandModule = {
  command: 'status',
  describe: "a lab's nodes, addresses, slots and connections",
  builder: (yargs) => yargs.options({ ...labOptions(), json: { type: 'boolean', default: false, describe: 'as JSON' } }),
  handler: labHandler('socklab lab status', async (argv) => {
    const record = liveRecord(String(argv.name))
    if (record.engine === 'swarm') {
      const view = await swarmLabView(await connectEngine(), record.name)
      process.stdout.write(argv.json === true ? `${JSON.stringify(view, null, 2)}\n` : describeSwarmLab(record.name, view))
      return
    }
    const view = await api<LabView & { timeline: unknown[] }>(record, 'GET', '/api/status')
    process.stdout.write(argv.json === true ? `${JSON.stringify(view, null, 2)}\n` : describeLab(record, view))
  }),
}

const execCommand: CommandModule = {
  command: 'exec <client> <command..>',
  describe: 'act as a lab client: connect, disconnect [exit|close|reset|kill], link <conditions>|clear, or send a command (hello, status, list, get <file>)',
  builder: (yargs) =>
    yargs
      .positional('client', { type: 'string', describe: 'the client (c1 …); one not there yet is added' })
      .positional('command', { type: 'string', array: true, describe: 'connect | disconnect [how] | any command to send' })
      .options(labOptions()),
  handler: labHandler('socklab lab exec', async (argv) => {
    const record = ownedRecord(String(argv.name))
    const result = await api<ExecResult>(record, 'POST', '/api/exec', { client: String(argv.client), words: (argv.command as string[]).map(String) })
    process.stdout.write(`${result.text}\n`)
    if (!result.ok) process.exit(isErrorCode(result.code) ? exitCodeFor(result.code) : EXIT.USAGE)
  }),
}

const graphCommand: CommandModule = {
  command: 'graph',
  describe: "a lab's topology, as Mermaid (default), SVG or an HTML page",
  builder: (yargs) =>
    yargs.options({
      ...labOptions(),
      format: { type: 'string', default: 'mermaid', choices: ['mermaid', 'svg', 'html'], describe: 'what to write' },
      output: { type: 'string', describe: 'a file to write it to (default: standard output)' },
    }),
  handler: labHandler('socklab lab graph', async (argv) => {
    const record = ownedRecord(String(argv.name))
    const graph = labGraph(await api<LabView>(record, 'GET', '/api/status'))
    const format = String(argv.format)
    const text = format === 'svg' ? graph.svg : format === 'html' ? graphPage(record.name, graph.svg) : graph.mermaid
    if (typeof argv.output !== 'string') return void process.stdout.write(text)
    await writeFile(argv.output, text)
    process.stdout.write(`written: ${argv.output}\n`)
  }),
}

const downCommand: CommandModule = {
  command: 'down',
  describe: 'take a lab down: every container, process, network and folder it made (nothing to do is fine)',
  builder: (yargs) => yargs.options(labOptions()),
  handler: labHandler('socklab lab down', async (argv) => {
    const name = checkLabName(String(argv.name))
    const record = readLabRecord(name)
    if (!record) return void process.stdout.write(`no lab named ${name} is up: nothing to take down\n`)
    if (record.engine === 'swarm') await removeSwarmLab(await connectEngine(), name)
    else {
      if (ownerState(record.owner) === 'alive') {
        await api(record, 'POST', '/api/down', {}).catch(() => undefined)
        const until = Date.now() + DOWN_TIMEOUT_MS
        while (ownerState(record.owner) === 'alive' && Date.now() < until) await delay(100)
        if (ownerState(record.owner) === 'alive') {
          process.kill(record.owner.pid, 'SIGTERM')
          throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', `the owner of ${labTitle(name)} (pid ${record.owner.pid}) did not finish within ${DOWN_TIMEOUT_MS / 1000} s; sent it SIGTERM`)
        }
      }
      // An owner that is gone (killed) left its containers, networks and folders: they are swept.
      await sweep(record.target === 'docker' ? await connectEngine() : undefined)
    }
    removeLabRecord(name)
    process.stdout.write(`${labTitle(name)} is down\n`)
  }),
}

export const labCommand: CommandModule = {
  command: 'lab <command>',
  describe: 'a lab that stays up: up, status, exec, graph, down (and a live dashboard)',
  builder: (yargs) =>
    yargs.command(upCommand).command(statusCommand).command(execCommand).command(graphCommand).command(downCommand).command(serveCommand).demandCommand(1, 'name a command: up, status, exec, graph or down'),
  handler: () => undefined,
}

/** `socklab dashboard`: where a lab's dashboard is. */
export const dashboardCommand: CommandModule = {
  command: 'dashboard',
  describe: "print the address of a lab's live dashboard (socklab lab up first)",
  builder: (yargs) => yargs.options(labOptions()),
  handler: labHandler('socklab dashboard', (argv) => void process.stdout.write(`${ownedRecord(String(argv.name)).url}\n`)),
}

/** A lab command's handler: exit 0 when the body returns, the error's code when it throws. */
function labHandler(label: string, body: (argv: Record<string, unknown>) => Promise<void> | void) {
  return async (argv: Record<string, unknown>): Promise<void> => {
    try {
      await body(argv)
      process.exit(EXIT.OK)
    } catch (error) {
      fail(error, label)
    }
  }
}

const isErrorCode = (code: unknown): code is SocklabErrorCode => (SOCKLAB_ERROR_CODES as readonly unknown[]).includes(code)
const nameFlag = (name: string) => (name === 'lab' ? '' : ` --name ${name}`)

/** The record of a lab that is up (its owner runs, or the swarm keeps it); a clear error otherwise. */
function liveRecord(given: string): LabRecord {
  const name = checkLabName(given)
  const record = readLabRecord(name)
  if (!record) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `no lab named ${name} is up: socklab lab up${nameFlag(name)}`)
  if (record.engine !== 'swarm' && ownerState(record.owner) === 'gone') {
    throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', `${labTitle(name)} is not running (its owner, pid ${record.owner.pid}, is gone): socklab lab down${nameFlag(name)} cleans up`)
  }
  return record
}

/** A lab with an owner to talk to (not a Swarm lab, whose clients run their sessions by themselves). */
function ownedRecord(given: string): LabRecord {
  const record = liveRecord(given)
  if (record.engine === 'swarm') {
    throw new SocklabError('SOCKLAB_CONFIG_INVALID', `lab ${record.name} runs on Docker Swarm, where each client runs the demo session once by itself: exec, graph and the dashboard work on docker and local labs; lab status shows it`)
  }
  return record
}

/** `lab up --engine swarm`: deploys the stack, waits for every client's verdict, and shows where each ran. */
async function upOnSwarm(name: string, argv: Record<string, unknown>): Promise<never> {
  const docker = await connectEngine()
  const image = String(argv.image)
  await ensureImage(docker, image, (line) => process.stderr.write(`${line}\n`))
  const clients = Number(argv.clients)
  const started = performance.now()
  await deploySwarmLab(docker, { name, image, clients, maxClients: argv.maxClients as number | undefined, holdMs: Number(argv.holdMs) })
  writeLabRecord({ name, engine: 'swarm', owner: currentOwner(), url: '', target: 'swarm', server: 'socklab', startedAt: new Date().toISOString(), log: '' })
  process.stdout.write(`deployed stack ${stackName(name)}; waiting for ${clients === 1 ? 'the client' : `the ${clients} clients`} to run their sessions\n`)
  const view = await waitForVerdict(docker, name, clients)
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  if (argv.json === true) process.stdout.write(`${JSON.stringify({ ...view, seconds: Number(seconds) }, null, 2)}\n`)
  else {
    process.stdout.write(describeSwarmLab(name, view))
    process.stdout.write(`\nserver log:\n${view.serverLog.map((line) => `  ${line}`).join('\n')}\n`)
    process.stdout.write(`\nfrom deploy to verdict: ${seconds} s. Take it down: socklab lab down${nameFlag(name)}\n`)
  }
  process.exit(view.finished ? EXIT.OK : EXIT.TARGET_UNAVAILABLE)
}

/** Starts the owner in the background with `lab up`'s own arguments, and waits for it to say the lab is up (or why not). */
async function startOwner(name: string, args: readonly string[], signal: AbortSignal): Promise<LabRecord> {
  const log = labLogPath(name)
  ensureLabDir()
  const logFd = openSync(log, 'w', 0o600)
  const child = spawn(process.execPath, [entry(), 'lab', 'serve', ...args], { detached: true, stdio: ['ignore', 'pipe', logFd] })
  closeSync(logFd)
  const reader = new JsonLineReader()
  const answer = await new Promise<{ ready: boolean; record?: LabRecord; error?: string; code?: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', `the lab was not up within ${UP_TIMEOUT_MS / 1000} s (its log: ${log})`)), UP_TIMEOUT_MS)
    child.stdout!.on('data', (chunk: Buffer) => {
      const said = reader.push(chunk.toString('utf8')).find((line) => typeof (line.value as { ready?: unknown })?.ready === 'boolean')
      if (said) {
        clearTimeout(timer)
        resolve(said.value as { ready: boolean })
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      if (signal.aborted) return
      reject(new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', `the lab's owner exited (code ${code}) before the lab was up; its log: ${log}`))
    })
    // Interrupted while the lab comes up: the owner is stopped, and what it had made is swept (its owner gone).
    signal.addEventListener('abort', () => {
      clearTimeout(timer)
      child.once('exit', () => {
        void engineAnswers().then((docker) => sweep(docker)).finally(() => {
          removeLabRecord(name)
          reject(new SocklabError('SOCKLAB_INTERRUPTED', 'interrupted: the lab was not brought up, and what it had made is removed'))
        })
      })
      child.kill('SIGKILL')
    })
  })
  child.stdout!.destroy()
  child.unref()
  if (!answer.ready) throw new SocklabError(isErrorCode(answer.code) ? answer.code : 'SOCKLAB_TARGET_UNAVAILABLE', `${answer.error} (log: ${log})`)
  return answer.record!
}

/** A call to the lab's owner. */
async function api<T>(record: LabRecord, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let response: Response
  try {
    response = await fetch(new URL(path, record.url), {
      method,
      ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
    })
  } catch (error) {
    throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', `the lab ${record.name} does not answer at ${record.url}: ${(error as Error).message}`)
  }
  const answer = (await response.json()) as T & { error?: string; code?: string }
  if (!response.ok) throw new SocklabError(isErrorCode(answer.code) ? answer.code : 'SOCKLAB_CONFIG_INVALID', answer.error ?? `HTTP ${response.status}`)
  return answer
}

/** The lab for people: its server and slots, then each client. */
export function describeLab(record: LabRecord, view: LabView): string {
  const held = view.slots.filter((s) => s.holder)
  const lines = [
    `${labTitle(view.name)} on the ${view.target} target (owner pid ${record.owner.pid}; dashboard ${record.url})`,
    `  server  ${view.server.spec} at ${view.server.address}${view.server.running ? '' : ' (restarting)'}; slots ${held.length} of ${view.slots.length} taken`,
    ...view.slots.map((s) => `    slot ${s.slot}: ${s.holder ? `${s.holder.name}${s.holder.client ? ` (${s.holder.client})` : ''} from ${s.holder.address}:${s.holder.port}` : 'free'}`),
    ...view.clients.map((c) => {
      const where = c.address ? ` from ${c.address}${c.port === undefined ? '' : `:${c.port}`}` : ''
      const as = c.serverName ? ` as ${c.serverName}` : ''
      const mode = c.mode && c.state === 'connected' ? `, ${c.mode} mode` : ''
      const note = c.note && c.state !== 'connected' ? ` (${c.note})` : ''
      const link = c.link ? `; link: ${c.link}` : ''
      const program = c.program ? ` (runs ${c.program})` : ''
      return `  client  ${c.name.padEnd(6)} ${c.state}${program}${as}${where}${mode}${note}${link}`
    }),
  ]
  return `${lines.join('\n')}\n`
}

const graphPage = (name: string, svg: string) =>
  `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${labTitle(name)}</title></head><body>\n<h1>${labTitle(name)}</h1>\n${svg}</body></html>\n`
