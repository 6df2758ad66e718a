import { basename } from 'node:path'
import { LineCounter, parseDocument } from 'yaml'
import { SERVER_OPTION_SPECS, resolveServerOptions } from '../config/server-options.js'
import { SocklabError } from '../errors/socklab-error.js'
import { SOCKLAB_ERROR_CODES } from '../errors/socklab-error.js'
import { SERVER_EVENT_FIELDS, SERVER_EVENT_NAMES, type ServerEventName } from '../events/server-event.js'
import { WIRE_ERROR_CODES } from '../protocol/wire-error-code.js'
import { closest } from '../text/did-you-mean.js'
import {
  DEFAULT_STEP_TIMEOUT_MS,
  allSteps,
  DISCONNECT_HOWS,
  KILLED,
  NETWORK_ACTIONS,
  SERVER_ACTIONS,
  TARGET_KINDS,
  type EventFields,
  type FileSetup,
  type ReplyMatcher,
  type Scenario,
  type ScenarioClient,
  type ScenarioServerOptions,
  type Step,
} from './scenario.js'
import { parseDuration, parseSize } from './units.js'
import { YamlCursor } from './yaml-cursor.js'

const STEP_KINDS = ['connect', 'send', 'get', 'disconnect', 'wait_event', 'expect_events', 'parallel', 'server', 'network'] as const
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
  const entries = cursor.entries([...STEP_KINDS, 'timeout'])
  const kinds = STEP_KINDS.filter((kind) => entries.has(kind))
  if (kinds.length !== 1) cursor.fail(`exactly one action per step (${STEP_KINDS.join(', ')})`)
  const kind = kinds[0]!
  const body = entries.get(kind)!
  // `timeout` may sit beside the action or inside its map: `- get: { client: a, file: x, timeout: 60s }`.
  const timeoutCursor = entries.get('timeout') ?? (body.isMap() ? body.entries().get('timeout') : undefined)
  const timeoutMs = timeoutCursor ? duration(timeoutCursor) : DEFAULT_STEP_TIMEOUT_MS
  const base = { line: cursor.line, timeoutMs }
  const client = (c: YamlCursor) => {
    const name = c.string()
    if (!clients.has(name)) c.fail(`one of the scenario's clients (${[...clients].join(', ')})`)
    return name
  }

  switch (kind) {
    case 'connect': {
      if (body.isSeq()) return body.items().map((item) => ({ ...base, kind, client: client(item), expect: 'admitted' as const }))
      if (!body.isMap()) return [{ ...base, kind, client: client(body), expect: 'admitted' }]
      const e = body.entries(['client', 'expect', 'as', 'timeout'])
      return [
        {
          ...base,
          kind,
          client: client(e.get('client') ?? body.fail('a `client`')),
          expect: e.get('expect')?.oneOf(['admitted', 'rejected']) ?? 'admitted',
          as: e.get('as')?.string(),
        },
      ]
    }
    case 'send': {
      const e = body.entries(['client', 'command', 'reply', 'timeout'])
      const reply = e.get('reply')
      return [
        {
          ...base,
          kind,
          client: client(e.get('client') ?? body.fail('a `client`')),
          command: command(e.get('command') ?? body.fail('a `command`'), clients),
          reply: reply ? parseReply(reply, clients) : undefined,
        },
      ]
    }
    case 'get': {
      const e = body.entries(['client', 'file', 'error', 'during', 'timeout'])
      const name = client(e.get('client') ?? body.fail('a `client`'))
      const duringCursor = e.get('during')
      const during = duringCursor?.items().flatMap((item) => parseStep(item, clients))
      if (duringCursor && during!.length === 0) duringCursor.fail('at least one step')
      // While its get is held, the client itself can only be disconnected or have its network acted on.
      const misuse = during && allSteps(during).find((s) => 'client' in s && s.client === name && s.kind !== 'disconnect' && s.kind !== 'network')
      if (misuse) duringCursor!.fail(`steps that leave ${name} alone while its get is held, or disconnect it or act on its network (a ${misuse.kind} step uses it)`)
      return [
        {
          ...base,
          kind,
          client: name,
          file: String((e.get('file') ?? body.fail('a `file`')).scalar()),
          error: e.get('error') ? errorCode(e.get('error')!, [KILLED]) : undefined,
          during,
        },
      ]
    }
    case 'disconnect': {
      if (!body.isMap()) return [{ ...base, kind, client: client(body), how: 'exit' }]
      const e = body.entries(['client', 'how', 'timeout'])
      return [{ ...base, kind, client: client(e.get('client') ?? body.fail('a `client`')), how: e.get('how')?.oneOf(DISCONNECT_HOWS) ?? 'exit' }]
    }
    case 'wait_event':
    case 'expect_events': {
      const e = body.entries(kind === 'wait_event' ? ['event', 'where', 'timeout'] : ['event', 'where', 'count', 'timeout'])
      const eventCursor = e.get('event') ?? body.fail('an `event`')
      const eventName = eventCursor.string()
      if (!(SERVER_EVENT_NAMES as readonly string[]).includes(eventName)) eventCursor.fail(`one of ${SERVER_EVENT_NAMES.join(', ')}`, suggestion(eventName, SERVER_EVENT_NAMES))
      const event = eventName as ServerEventName
      const where = parseFields(e.get('where'), event, clients)
      if (kind === 'wait_event') return [{ ...base, kind, event, where }]
      const countCursor = e.get('count')
      const count = countCursor?.number()
      if (count !== undefined && (!Number.isInteger(count) || count < 0)) countCursor!.fail('a whole number, 0 or more')
      return [{ ...base, kind, event, where, count }]
    }
    case 'server':
      return [{ ...base, kind, action: (body.isMap() ? (body.entries(['action', 'timeout']).get('action') ?? body.fail('an `action`')) : body).oneOf(SERVER_ACTIONS) }]
    case 'network': {
      const e = body.entries(['client', 'action', 'timeout'])
      return [
        {
          ...base,
          kind,
          client: client(e.get('client') ?? body.fail('a `client`')),
          action: (e.get('action') ?? body.fail('an `action`: cut, restore or reset')).oneOf(NETWORK_ACTIONS),
        },
      ]
    }
    case 'parallel': {
      const steps = body.items().flatMap((item) => parseStep(item, clients))
      const used = steps.flatMap((s) => ('client' in s ? [s.client] : []))
      const twice = used.find((name, i) => used.indexOf(name) !== i)
      if (twice) body.fail(`branches that each use a different client (${twice} is used twice)`)
      return [{ ...base, kind, steps }]
    }
  }
}

function command(cursor: YamlCursor, clients: ReadonlySet<string>): string {
  const text = String(cursor.scalar())
  checkReferences(cursor, text, clients)
  return text
}

function parseReply(cursor: YamlCursor, clients: ReadonlySet<string>): ReplyMatcher {
  if (!cursor.isMap()) {
    const value = String(cursor.scalar())
    checkReferences(cursor, value, clients)
    return { kind: 'equals', value }
  }
  const e = cursor.entries(['equals', 'contains', 'regex', 'error'])
  if (e.size !== 1) cursor.fail('exactly one of equals, contains, regex, error')
  const [[kind, value]] = [...e]
  if (kind === 'regex') {
    const pattern = value!.string()
    checkReferences(value!, pattern, clients)
    try {
      new RegExp(pattern)
    } catch {
      value!.fail('a valid regular expression')
    }
    return { kind, value: pattern }
  }
  if (kind === 'error') return { kind, code: errorCode(value!) }
  const text = String(value!.scalar())
  checkReferences(value!, text, clients)
  return { kind: kind as 'equals' | 'contains', value: text }
}

/** `where:` of an event step: each key a field that event has (events/server-event.ts), each value checked for references. */
function parseFields(cursor: YamlCursor | undefined, event: ServerEventName, clients: ReadonlySet<string>): EventFields {
  if (!cursor?.present) return {}
  const fields: readonly string[] = SERVER_EVENT_FIELDS[event]
  const out: EventFields = {}
  for (const [key, value] of cursor.entries(fields, `a field of ${event} (${fields.join(', ')})`)) {
    const scalar = value.scalar()
    if (typeof scalar === 'string') checkReferences(value, scalar, clients)
    out[key] = typeof scalar === 'boolean' ? String(scalar) : scalar
  }
  return out
}

/** `did you mean …?` for a near miss, or nothing. */
function suggestion(word: string, known: readonly string[]): string | undefined {
  const near = closest(word, known)
  return near ? `did you mean ${near}?` : undefined
}

const ERROR_CODES: readonly string[] = [...WIRE_ERROR_CODES, ...SOCKLAB_ERROR_CODES]

/** An expected error: a code the server (ERROR frames) or the client (its own failures) can give. */
function errorCode(cursor: YamlCursor, extra: readonly string[] = []): string {
  const code = cursor.string()
  const known = [...ERROR_CODES, ...extra]
  if (!known.includes(code)) cursor.fail(`an error code (${known.join(', ')})`, suggestion(code, known))
  return code
}

const FIELD_REFERENCE = /\$\{([^}]*)\}/g
const REFERENCE_PARTS = /^([a-z][a-z0-9_-]*)\.([a-z]+)$/
const CLIENT_FACTS = ['address', 'port', 'name']

/** Every `${client.field}` in a string names a client of the scenario and a fact a client has. */
function checkReferences(cursor: YamlCursor, text: string, clients: ReadonlySet<string>): void {
  for (const [whole, inner] of text.matchAll(FIELD_REFERENCE)) {
    const parts = REFERENCE_PARTS.exec(inner!.trim())
    if (!parts) cursor.fail(`references of the form \${client.address}, \${client.port} or \${client.name}`, `${whole} is not one`)
    const [, client, fact] = parts
    if (!clients.has(client!)) cursor.fail(`references to the scenario's clients (${[...clients].join(', ')})`, suggestion(client!, [...clients]) ?? `${whole} names none`)
    if (!CLIENT_FACTS.includes(fact!)) cursor.fail(`a client's address, port or name in ${whole}`, suggestion(fact!, CLIENT_FACTS) ?? `${fact} is none of them`)
  }
}

function duration(cursor: YamlCursor): number {
  const ms = parseDuration(cursor.scalar() as string | number)
  if (ms === undefined || ms <= 0) return cursor.fail('a duration such as 500ms, 10s or 2m')
  return ms
}
