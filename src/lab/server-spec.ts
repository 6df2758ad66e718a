import { existsSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { LineCounter, parseDocument } from 'yaml'
import { SocklabError } from '../errors/socklab-error.js'
import { LogAdapter, type AdapterRule } from '../events/log-adapter.js'
import { SERVER_EVENT_FIELDS, SERVER_EVENT_NAMES, type ServerEventName } from '../events/server-event.js'
import { LAB_ASSETS } from '../package/package-files.js'
import { suggestion } from '../values/suggestion.js'
import { YamlCursor } from '../values/yaml-cursor.js'
import { bindAddressProblem, clientServerMismatch, sourceConstants, type Found } from './source-constants.js'

/** How a server under test is given one scenario server setting: an argument, or an environment variable. */
export type SettingRoute = { arg: string | string[] } | { env: string }

/**
 * A server under test: socklab's own, or any program started by a command (the original Python server, a
 * student's). The contract with a command (docs/servers.md): it gets its port and folder as the
 * placeholders `{port}`, `{files}`, `{host}` in its command and as SOCKLAB_PORT, SOCKLAB_FILES,
 * SOCKLAB_HOST in its environment, serves the folder, and prints its console lines on standard output,
 * which the log adapter turns into socklab's events.
 */
export interface ServerSpec {
  name: string
  description: string
  kind: 'socklab' | 'command'
  /** argv, with placeholders: {port}, {files}, {host}, {lab} (socklab's lab assets), {dir} (the spec's folder). */
  command: string[]
  /** Where the command runs: the spec file's folder. */
  dir: string
  env: Record<string, string>
  /** The scenario server settings it can be given, and how. */
  settings: Record<string, SettingRoute>
  /** What it does without being told (the original always admits 3): a scenario asking for that is fine. */
  fixed: Record<string, string | number>
  /** Whether it speaks socklab's framed protocol too (socklab's own does; a command server speaks the original's unless it says so). */
  framed: boolean
  /** Its console lines as events; socklab's own server logs the events themselves. */
  adapter?: LogAdapter
  /** How it runs on the docker target; without this section it runs on the local target only. */
  docker?: DockerServer
  /** A server run as written (`--server server.py`): no arguments, the address, port and folder it hard-codes. */
  asWritten?: AsWrittenServer
}

/**
 * A server run as its author wrote it: `python3 -u server.py` with no arguments, from a copy of its own
 * folder, binding what its source says (read, never run). On the docker target its container is given that
 * address, on a lab subnet that holds it; clients connect there.
 */
export interface AsWrittenServer {
  /** The server's source file. */
  source: string
  /** The address it binds, and where its source says so (absent: 0.0.0.0, every address). */
  host?: Found<string>
  port: number
  /** Where its source gives the port (absent: it binds 12345, the assignment's, or prints where it listens). */
  portFound?: Found<number>
  /** The folder it serves, relative to its own (`server_files` unless its source names another). */
  files: string
  /** A `client.py` beside it that connects elsewhere than it binds: the two lines to compare. */
  clientMismatch?: string
  /** Where its source reads its command line (`sys.argv`): absent, it takes no arguments and runs only as written. */
  readsArguments?: Found<string>
}

/**
 * A server under test on the docker target: an image (built from a folder when missing), or a base image in
 * which the spec's folder is mounted at /srv/app and the command run. In the container the placeholders are
 * {port} 12345, {files} /srv/server_files, {host} 0.0.0.0, {dir} /srv/app, {lab} /srv/lab.
 */
export interface DockerServer {
  image?: string
  /** A folder with a Dockerfile (absolute), built into `image` when it is missing, with BASE_IMAGE set to the base. */
  build?: string
  /** `python` (python:3.12-slim, or made from this machine's Python offline) or an image name. */
  base?: string
  /** The command in the container: default, the image's own (with `image`) or the spec's (on a base). */
  command?: string[]
}

/** Where things are inside a server-under-test container. */
export const IN_CONTAINER = { port: 12345, files: '/srv/server_files', host: '0.0.0.0', dir: '/srv/app', lab: '/srv/lab' } as const

export const SOCKLAB_SERVER: ServerSpec = {
  name: 'socklab',
  description: "socklab's own server",
  kind: 'socklab',
  command: [],
  dir: '.',
  env: {},
  settings: {},
  fixed: {},
  framed: true,
}

/** Servers known by name: `socklab`, and those in the package's lab/servers/ (`original`). */
export const BUILT_IN_SERVERS = ['socklab', 'original'] as const

/** The file in a server's folder that says how to start it (docs/servers.md). */
export const SPEC_FILE = 'socklab-server.yaml'
/** Without one, a folder's `server.py` is run as written. */
export const SERVER_SOURCE = 'server.py'

/**
 * `socklab`, a built-in name (`original`), the path of a spec file (YAML), or a server as written: a `.py`
 * file, or a folder with a `server.py` (and no socklab-server.yaml, which would say how to start it).
 */
export async function loadServerSpec(given: string): Promise<ServerSpec> {
  if (given === 'socklab') return SOCKLAB_SERVER
  const builtIn = join(LAB_ASSETS, 'servers', `${given}.yaml`)
  let path = existsSync(builtIn) ? builtIn : resolve(given)
  if (existsSync(path) && statSync(path).isDirectory()) {
    if (existsSync(join(path, SPEC_FILE))) path = join(path, SPEC_FILE)
    else if (existsSync(join(path, SERVER_SOURCE))) return asWrittenSpec(join(path, SERVER_SOURCE))
    else throw new SocklabError('SOCKLAB_CONFIG_INVALID', `--server ${given}: the folder holds neither ${SPEC_FILE} (how to start its server) nor ${SERVER_SOURCE} (a server to run as written)`)
  }
  if (!existsSync(path)) {
    throw new SocklabError('SOCKLAB_CONFIG_INVALID', `--server takes ${BUILT_IN_SERVERS.join(', ')}, a server spec file, a server.py or a folder with one, not ${given}${hint(given)}`)
  }
  if (path.endsWith('.py')) return asWrittenSpec(path)
  return parseServerSpec(await readFile(path, 'utf8'), path)
}

/**
 * A Python server as its author wrote it: run with no arguments from (a copy of) its folder, read through
 * the original's console lines. What it binds comes from its source; a bind that cannot work (a stray space,
 * a loopback address) is refused here, with the line to fix.
 */
export async function asWrittenSpec(source: string): Promise<ServerSpec> {
  const file = resolve(source)
  const text = await readFile(file, 'utf8')
  const found = sourceConstants(text)
  const dir = dirname(file)
  const name = file.endsWith(`/${SERVER_SOURCE}`) ? dir.replace(/^.*\//, '') : file.replace(/^.*\//, '').replace(/\.py$/, '')
  const problem = found.host && bindAddressProblem(found.host)
  if (problem) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `${file}: ${problem}`)
  const original = await loadServerSpec('original')
  const host = found.host && found.host.value !== '0.0.0.0' && found.host.value !== '' ? found.host : undefined
  const client = join(dir, 'client.py')
  const clientMismatch = existsSync(client) ? clientServerMismatch(found, sourceConstants(await readFile(client, 'utf8'))) : undefined
  return {
    name,
    description: `${file.replace(/^.*\//, '')} of ${name}, as written`,
    kind: 'command',
    command: ['python3', '-u', file.replace(/^.*\//, '')],
    dir,
    env: {},
    settings: {},
    fixed: found.maxClients ? { maxClients: found.maxClients.value } : {},
    framed: false,
    adapter: original.adapter,
    docker: { base: 'python' },
    asWritten: {
      source: file,
      ...(host ? { host } : {}),
      port: found.port?.value ?? IN_CONTAINER.port,
      ...(found.port ? { portFound: found.port } : {}),
      files: found.files?.value ?? 'server_files',
      ...(clientMismatch ? { clientMismatch } : {}),
      ...(found.readsArguments ? { readsArguments: found.readsArguments } : {}),
    },
  }
}

const hint = (given: string): string => {
  const near = suggestion(given, BUILT_IN_SERVERS)
  return near ? `; ${near}` : ''
}

export function parseServerSpec(text: string, file: string): ServerSpec {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true })
  if (doc.errors.length > 0) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `${file}: not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`)
  const root = new YamlCursor(doc.contents, '', { file, lines, vars: new Map() })
  const e = root.entries(['name', 'description', 'command', 'env', 'settings', 'fixed', 'framed', 'adapter', 'ready', 'docker'])
  const imageOnly = e.get('docker')?.isMap() && e.get('docker')!.entries().has('image') && !e.has('command')
  const command = imageOnly ? [] : argvOf(e.get('command') ?? root.fail('a `command`: the program and its arguments, as a list (or a `docker: { image }` that runs its own)'))
  const env = Object.fromEntries([...(e.get('env')?.entries() ?? [])].map(([key, value]) => [key, String(value.scalar())]))
  const settings: Record<string, SettingRoute> = {}
  for (const [key, value] of e.get('settings')?.entries() ?? []) {
    const route = value.entries(['arg', 'env'])
    if (route.size !== 1) value.fail('one of `arg` (e.g. "--max-clients={value}", or a list: [--maxclients, "{value}"]) or `env` (a variable name)')
    const arg = route.get('arg')
    settings[key] = arg ? { arg: arg.isSeq() ? arg.items().map((item) => String(item.scalar())) : arg.string() } : { env: route.get('env')!.string() }
  }
  const fixed = Object.fromEntries([...(e.get('fixed')?.entries() ?? [])].map(([key, value]) => [key, value.scalar() as string | number]))
  const name = e.get('name')?.string() ?? file.replace(/^.*\//, '').replace(/\.ya?ml$/, '')
  // No adapter: a server of any protocol, whose log says nothing socklab reads (steps that need events are skipped).
  const rules = e.get('adapter')?.items().map(parseRule) ?? []
  const ready = e.get('ready')
  if (ready) rules.push(...readyRule(ready))
  const docker = e.has('docker') ? parseDocker(e.get('docker')!, dirname(file)) : undefined
  const argSetting = Object.keys(settings).find((key) => 'arg' in settings[key]!)
  if (docker?.image && !docker.command && argSetting) {
    e.get('docker')!.fail(`a \`command\` beside \`image\`: the ${argSetting} setting is given as an argument, which needs the command it is added to`)
  }
  return {
    name,
    description: e.get('description')?.string() ?? '',
    kind: 'command',
    command,
    dir: dirname(file),
    env,
    settings,
    fixed,
    framed: e.get('framed')?.scalar() === true,
    adapter: new LogAdapter(name, rules),
    ...(docker ? { docker } : {}),
  }
}

/**
 * `ready: { port: true }` (its port answering a connection: the default for a server whose log says nothing
 * socklab reads) or `ready: { console: <regex> }` (a line it prints once it listens), as a listening rule.
 */
function readyRule(cursor: YamlCursor): AdapterRule[] {
  const e = cursor.entries(['port', 'console'])
  if (e.size !== 1) cursor.fail('one of `port: true` (its port answers) or `console` (a regex for the line it prints once it listens)')
  if (e.has('port')) {
    if (e.get('port')!.scalar() !== true) e.get('port')!.fail('true')
    return []
  }
  const pattern = e.get('console')!
  try {
    return [{ event: 'listening', match: new RegExp(pattern.string()), set: {} }]
  } catch (error) {
    return pattern.fail(`a valid regular expression (${(error as Error).message})`)
  }
}

function argvOf(cursor: YamlCursor): string[] {
  const argv = cursor.isSeq() ? cursor.items().map((item) => String(item.scalar())) : String(cursor.scalar()).split(/\s+/).filter(Boolean)
  if (argv.length === 0) cursor.fail('a program to run')
  return argv
}

function parseDocker(cursor: YamlCursor, dir: string): DockerServer {
  const e = cursor.entries(['image', 'build', 'base', 'command'])
  if (!e.has('image') && !e.has('base')) cursor.fail('an `image` to run, or a `base` image to run the command in')
  if (e.has('build') && !e.has('image')) e.get('build')!.fail('an `image` beside it: the name to build it as')
  return {
    ...(e.has('image') ? { image: e.get('image')!.string() } : {}),
    ...(e.has('build') ? { build: resolve(dir, e.get('build')!.string()) } : {}),
    ...(e.has('base') ? { base: e.get('base')!.string() } : {}),
    ...(e.has('command') ? { command: argvOf(e.get('command')!) } : {}),
  }
}

function parseRule(cursor: YamlCursor): AdapterRule {
  const e = cursor.entries(['event', 'match', 'set'])
  const eventCursor = e.get('event') ?? cursor.fail('an `event`')
  const name = eventCursor.string()
  if (!(SERVER_EVENT_NAMES as readonly string[]).includes(name)) eventCursor.fail(`one of ${SERVER_EVENT_NAMES.join(', ')}`, suggestion(name, SERVER_EVENT_NAMES))
  const event = name as ServerEventName
  const matchCursor = e.get('match') ?? cursor.fail('a `match`: a regular expression with named groups for the fields')
  let match: RegExp
  try {
    match = new RegExp(matchCursor.string())
  } catch (error) {
    return matchCursor.fail(`a valid regular expression (${(error as Error).message})`)
  }
  const fields: readonly string[] = SERVER_EVENT_FIELDS[event]
  for (const group of Object.keys(new RegExp(`${match.source}|`).exec('')?.groups ?? {})) {
    if (!fields.includes(group)) matchCursor.fail(`named groups that are fields of ${event} (${fields.join(', ')})`, suggestion(group, fields) ?? `${group} is none`)
  }
  const set = Object.fromEntries([...(e.get('set')?.entries(fields, `a field of ${event} (${fields.join(', ')})`) ?? [])].map(([key, value]) => [key, value.scalar() as string | number]))
  return { event, match, set }
}

/** Why a scenario cannot run against this server (a setting it cannot be given), if it cannot. */
export function unsupportedSettings(spec: ServerSpec, options: Record<string, unknown>): string | undefined {
  if (spec.kind === 'socklab') return undefined
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || key in spec.settings || spec.fixed[key] === value) continue
    const fixed = key in spec.fixed ? ` (it always has ${spec.fixed[key]})` : ''
    return `the ${spec.name} server cannot be given ${key}: ${String(value)}${fixed}`
  }
  return undefined
}

/** Why this server cannot run on a target, if it cannot: a host:port is a server already running; docker needs a docker section. */
export function unsupportedTarget(spec: ServerSpec, target: 'docker' | 'local' | 'remote'): string | undefined {
  if (spec.kind === 'socklab') return undefined
  if (target === 'remote') return `the ${spec.name} server is started by socklab, and a host:port target is a server already running`
  // A server as written that binds every address runs locally on the port it hard-codes; a fixed address needs a host of its own.
  if (target === 'local' && spec.asWritten?.host) {
    const binds = `${spec.asWritten.host?.value ?? '0.0.0.0'}:${spec.asWritten.port}`
    return `the ${spec.name} server runs as written (no arguments; it binds ${binds} itself), which only a container of its own can give it: use the docker target`
  }
  if (target === 'docker' && !spec.docker) return `the ${spec.name} server has no \`docker:\` section in its spec, so it runs on the local target only`
  if (target === 'local' && spec.command.length === 0) return `the ${spec.name} server runs its image's own command (its spec has no \`command\`), so it runs on the docker target only`
  return undefined
}

/**
 * Why a scenario cannot run against this server for the protocol its clients must speak, if it cannot: a
 * server under test speaks the original protocol (compatible mode) unless its spec says `framed: true`.
 */
export function unsupportedModes(spec: ServerSpec, scenario: { clients: ReadonlyArray<{ name: string; mode: string }> }): string | undefined {
  if (spec.kind === 'socklab' || spec.framed) return undefined
  const framed = scenario.clients.find((c) => c.mode === 'framed')
  return framed ? `client ${framed.name} needs framed mode, which the ${spec.name} server does not speak` : undefined
}

/** Where a server under test runs: its address, its files, and (in a container) the spec's folder and the lab assets. */
export interface ServerPlace {
  host: string
  port: number
  files: string
  dir?: string
  lab?: string
}

/** The command (the spec's, or one given) with its placeholders filled in, and the settings it takes added as arguments. */
export function commandLine(spec: ServerSpec, where: ServerPlace, options: Record<string, unknown>, command = spec.command): { argv: string[]; env: Record<string, string> } {
  const fill = (text: string) =>
    text
      .replaceAll('{port}', String(where.port))
      .replaceAll('{files}', where.files)
      .replaceAll('{host}', where.host)
      .replaceAll('{lab}', where.lab ?? LAB_ASSETS)
      .replaceAll('{dir}', where.dir ?? spec.dir)
  const argv = command.map(fill)
  const env: Record<string, string> = { ...spec.env, SOCKLAB_PORT: String(where.port), SOCKLAB_FILES: where.files, SOCKLAB_HOST: where.host }
  for (const [key, route] of Object.entries(spec.settings)) {
    const value = options[key]
    if (value === undefined) continue
    if ('arg' in route) argv.push(...[route.arg].flat().map((part) => fill(part.replaceAll('{value}', String(value)))))
    else env[route.env] = String(value)
  }
  return { argv, env }
}
