import { basename } from 'node:path'
import { LineCounter, parseDocument } from 'yaml'
import { SERVER_OPTION_SPECS, resolveServerOptions } from '../config/server-options.js'
import { SocklabError } from '../errors/socklab-error.js'
import {
  DEFAULT_STEP_TIMEOUT_MS,
  allSteps,
  TARGET_KINDS,
  type FileSetup,
  type Scenario,
  type ScenarioClient,
  type ScenarioServerOptions,
  type Step,
} from './scenario.js'
import { duration, suggestion } from './step-values.js'
import { STEP_KIND_NAMES, STEP_KINDS } from './steps/step-kinds.js'
import { parseSize } from './units.js'
import { YamlCursor } from './yaml-cursor.js'

const FIXED_SERVER_OPTIONS = new Set(['host', 'port', 'files', 'logFormat', 'healthSocket'])
const SERVER_KEYS = [...Object.keys(SERVER_OPTION_SPECS).filter((k) => !FIXED_SERVER_OPTIONS.has(k)), 'files']
const CLIENT_NAME = /^[a-z][a-z0-9_-]{0,30}$/

/**
 * Reads one scenario file and checks all of it before anything runs: unknown keys, wrong types, unknown
 * clients or events and out-of-range server options are refused with the file, line and what was expected.
 */
export function parseScenario(text: string, file: string): Scenario {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true })
  if (doc.errors.length > 0) {
    const error = doc.errors[0]!
    throw new SocklabError('SOCKLAB_SCENARIO_INVALID', `${file}:${error.linePos?.[0].line ?? 1}: not valid YAML: ${error.message.split('\n')[0]}`)
  }
  const root = new YamlCursor(doc.contents, '', file, lines)
  const top = root.entries(['name', 'description', 'server', 'clients', 'steps', 'targets'])
  const clients = parseClients(top.get('clients') ?? root.fail('a `clients:` list'))
  const names = new Set(clients.map((c) => c.name))
  const stepsCursor = top.get('steps') ?? root.fail('a `steps:` list')
  const steps = stepsCursor.items().flatMap((step) => parseStep(step, names))
  if (steps.length === 0) stepsCursor.fail('at least one step')
  for (const step of allSteps(steps)) {
    if (step.kind === 'network' && step.action === 'reset') clients.find((c) => c.name === step.client)!.relay = true
  }
  return {
    name: top.get('name')?.string() ?? basename(file).replace(/\.ya?ml$/, ''),
    description: top.get('description')?.string() ?? '',
    file,
    server: parseServer(top.get('server')),
    clients,
    steps,
    targets: top.get('targets')?.items().map((item) => item.oneOf(TARGET_KINDS)),
  }
}

function parseServer(cursor: YamlCursor | undefined): Scenario['server'] {
  if (!cursor?.present) return { options: {}, files: [] }
  const options: Record<string, unknown> = {}
  let files: FileSetup[] = []
  for (const [key, value] of cursor.entries(SERVER_KEYS)) {
    if (key === 'files') files = value.items().map(parseFile)
    else options[key] = SERVER_OPTION_SPECS[key as keyof typeof SERVER_OPTION_SPECS].type === 'number' ? value.number() : value.scalar()
    try {
      resolveServerOptions(options)
    } catch (error) {
      value.fail((error as Error).message.replace(/^.*expected /, '').replace(/, got .*$/, ''))
    }
  }
  return { options: options as ScenarioServerOptions, files }
}

function parseFile(cursor: YamlCursor): FileSetup {
  const entries = cursor.entries(['name', 'size', 'text', 'link'])
  const name = entries.get('name')?.string() ?? cursor.fail('a file with a `name`')
  const size = entries.get('size')
  if (size) {
    const bytes = parseSize(size.scalar() as string | number)
    if (bytes === undefined) return size.fail('a size such as 8MiB, 512KiB or a number of bytes')
    return { name, kind: 'random', size: bytes }
  }
  const text = entries.get('text')
  if (text) return { name, kind: 'text', text: text.string() }
  const link = entries.get('link')
  if (link) return { name, kind: 'link', target: link.string() }
  return cursor.fail('one of `size` (random bytes), `text` or `link` (a symbolic link to a path)')
}

function parseClients(cursor: YamlCursor): ScenarioClient[] {
  const clients: ScenarioClient[] = []
  const add = (nameCursor: YamlCursor, name: string, settings?: YamlCursor) => {
    if (!CLIENT_NAME.test(name)) nameCursor.fail('a client name: a lowercase letter, then letters, digits, - or _')
    const entries = settings?.present ? settings.entries(['mode', 'retry']) : new Map<string, YamlCursor>()
    const mode = entries.get('mode')?.oneOf(['auto', 'framed', 'compat']) ?? 'auto'
    const retryCursor = entries.get('retry')
    const retry = retryCursor?.number() ?? 0
    if (!Number.isInteger(retry) || retry < 0) retryCursor!.fail('a whole number of retries, 0 or more')
    clients.push({ name, mode, retry, relay: false })
  }
  if (cursor.isSeq()) for (const item of cursor.items()) add(item, item.string())
  else for (const [name, settings] of cursor.entries()) add(settings, name, settings)
  if (clients.length === 0) cursor.fail('at least one client')
  return clients
}

function parseStep(cursor: YamlCursor, clients: ReadonlySet<string>): Step[] {
  const entries = cursor.entries([...STEP_KIND_NAMES, 'timeout'])
  const kinds = STEP_KIND_NAMES.filter((kind) => entries.has(kind))
  if (kinds.length !== 1) cursor.fail(`exactly one action per step (${STEP_KIND_NAMES.join(', ')})`)
  const kind = kinds[0]!
  const body = entries.get(kind)!
  // `timeout` may sit beside the action or inside its map: `- get: { client: a, file: x, timeout: 60s }`.
  const timeoutCursor = entries.get('timeout') ?? (body.isMap() ? body.entries().get('timeout') : undefined)
  const timeoutMs = timeoutCursor ? duration(timeoutCursor) : DEFAULT_STEP_TIMEOUT_MS
  return STEP_KINDS[kind].parse(body, {
    base: { line: cursor.line, timeoutMs },
    clients,
    client: (c) => {
      const name = c.string()
      if (!clients.has(name)) c.fail(`one of the scenario's clients (${[...clients].join(', ')})`, suggestion(name, [...clients]))
      return name
    },
    parseSteps: (list) => list.items().flatMap((item) => parseStep(item, clients)),
  })
}
