import { existsSync } from 'node:fs'
import { basename, dirname, isAbsolute, resolve } from 'node:path'
import { LineCounter, parseDocument } from 'yaml'
import { SERVER_OPTION_SPECS, resolveServerOptions } from '../config/server-options.js'
import { ProblemList, ScenarioInvalid } from './scenario-problems.js'
import { NO_OVERRIDES, resolveVars, type VarOverrides } from './scenario-vars.js'
import {
  DEFAULT_RETRY_EVERY_MS,
  DEFAULT_STEP_TIMEOUT_MS,
  allSteps,
  TARGET_KINDS,
  MAX_GROUP_SIZE,
  CLIENT_PROTOCOLS,
  VISIBILITIES,
  DEFAULT_MAX_RECEIVE,
  type RetryPolicy,
  type FileSetup,
  type Scenario,
  type ScenarioClient,
  type ScenarioServerOptions,
  type Step,
} from './scenario.js'
import { type References } from './step-values.js'
import { duration } from '../values/duration.js'
import { suggestion } from '../values/suggestion.js'
import { STEP_OPTIONS } from './steps/step-kind.js'
import { parseLink } from '../relay/link-spec.js'
import { STEP_KIND_NAMES, STEP_KINDS } from './steps/step-kinds.js'
import { parseSize } from '../values/byte-size.js'
import { YamlCursor } from '../values/yaml-cursor.js'
import { BUILT_IN_SERVERS } from '../lab/server-spec.js'
import { loadTopology, parseTopology, shippedTopologies, type Topology } from '../lab/topology.js'

const FIXED_SERVER_OPTIONS = new Set(['host', 'port', 'files', 'logFormat', 'healthSocket'])
const SERVER_KEYS = [...Object.keys(SERVER_OPTION_SPECS).filter((k) => !FIXED_SERVER_OPTIONS.has(k)), 'files', 'spec']
const CLIENT_NAME = /^[a-z][a-z0-9_-]{0,30}$/

const TOP_KEYS = ['name', 'description', 'vars', 'server', 'clients', 'steps', 'targets', 'tags', 'points', 'visibility', 'topology']
const TAG = /^[a-z0-9][a-z0-9_.-]*$/

/**
 * Reads one scenario file and checks all of it before anything runs: unknown keys, wrong types, unknown
 * clients, events or references and out-of-range server options are refused with the file, line and what
 * was expected. Every problem in the file is reported (one per step or section), not only the first.
 * Variables (`vars:`, overridden by `--var` and `SOCKLAB_VAR_<NAME>`) are filled in as the file is read.
 */
export function parseScenario(text: string, file: string, overrides: VarOverrides = NO_OVERRIDES): Scenario {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true })
  if (doc.errors.length > 0) {
    const error = doc.errors[0]!
    throw new ScenarioInvalid([`${file}:${error.linePos?.[0].line ?? 1}: not valid YAML: ${error.message.split('\n')[0]}`])
  }
  const problems = new ProblemList()
  const bare = new YamlCursor(doc.contents, '', { file, lines, vars: new Map() })
  const vars = problems.check(() => resolveVars(bare.entries(TOP_KEYS).get('vars'), overrides))
  problems.throwIfAny()
  const root = new YamlCursor(doc.contents, '', { file, lines, vars: vars! })
  const top = root.entries(TOP_KEYS)
  const name = problems.check(() => top.get('name')?.string()) ?? basename(file).replace(/\.ya?ml$/, '')
  const description = problems.check(() => top.get('description')?.string()) ?? ''
  const server = problems.check(() => parseServer(top.get('server'), file))
  const targets = problems.check(() => top.get('targets')?.items().map((item) => item.oneOf(TARGET_KINDS)))
  const tags = problems.check(() => top.get('tags')?.items().map((item) => checkTag(item))) ?? []
  const points = problems.check(() => {
    const cursor = top.get('points')
    const value = cursor?.number() ?? 1
    if (value < 0 || !Number.isFinite(value)) cursor!.fail('a number of points, 0 or more')
    return value
  }) ?? 1
  const visibility = problems.check(() => top.get('visibility')?.oneOf(VISIBILITIES)) ?? 'visible'
  const topology = problems.check(() => scenarioTopology(top.get('topology'), file))
  const parsedClients = problems.check(() => parseClients(top.get('clients') ?? root.fail('a `clients:` list')))
  // Without its clients, every step would be refused for naming them: the steps are checked once they parse.
  if (!parsedClients) problems.throwIfAny()
  const { clients, groups } = parsedClients!
  const refs: References = { clients: new Set(clients.map((c) => c.name)), protocols: new Map(clients.map((c) => [c.name, c.protocol])), groups, values: new Set(), vars: new Set(vars!.keys()) }
  const steps = problems.check(() => {
    const list = top.get('steps') ?? root.fail('a `steps:` list')
    const parsed = parseSteps(list, refs, problems)
    if (parsed.length === 0 && problems.empty) list.fail('at least one step')
    return parsed
  })
  problems.throwIfAny()
  for (const step of allSteps(steps!)) {
    const relayed = (step.kind === 'network' && step.action === 'reset') || step.kind === 'link'
    if (relayed) clients.find((c) => c.name === step.client)!.relay = true
  }
  return { name, description, file, vars: Object.fromEntries(vars!), tags, points, visibility, server: server!, clients, groups, steps: steps!, targets, ...(topology ? { topology } : {}) }
}

/** `topology: seed-lab` (shipped), a topology file relative to the scenario, or one written inline. */
function scenarioTopology(cursor: YamlCursor | undefined, file: string): Topology | undefined {
  if (!cursor?.present) return undefined
  if (cursor.isMap()) return parseTopology(cursor, file)
  const given = cursor.string()
  const shipped = shippedTopologies().includes(given)
  if (!shipped && !existsSync(resolve(dirname(file), given))) {
    cursor.fail(`a shipped topology (${shippedTopologies().join(', ')}), a topology file or a \`networks:\` map`, suggestion(given, shippedTopologies()))
  }
  return loadTopology(given, dirname(file))
}

function checkTag(cursor: YamlCursor): string {
  const tag = cursor.string()
  if (!TAG.test(tag)) cursor.fail('a tag of lowercase letters, digits, -, _ and .')
  return tag
}

function parseServer(cursor: YamlCursor | undefined, file: string): Scenario['server'] {
  if (!cursor?.present) return { options: {}, files: [] }
  const options: Record<string, unknown> = {}
  let files: FileSetup[] = []
  let spec: string | undefined
  for (const [key, value] of cursor.entries(SERVER_KEYS)) {
    if (key === 'files') files = value.items().map(parseFile)
    else if (key === 'spec') spec = serverSpecPath(value.string(), file)
    else options[key] = SERVER_OPTION_SPECS[key as keyof typeof SERVER_OPTION_SPECS].type === 'number' ? value.number() : value.scalar()
    try {
      resolveServerOptions(options)
    } catch (error) {
      value.fail((error as Error).message.replace(/^.*expected /, '').replace(/, got .*$/, ''))
    }
  }
  return { options: options as ScenarioServerOptions, files, ...(spec ? { spec } : {}) }
}

/** A built-in server name as it is; a spec file relative to the scenario's own file. */
const serverSpecPath = (given: string, file: string): string =>
  (BUILT_IN_SERVERS as readonly string[]).includes(given) || isAbsolute(given) ? given : resolve(dirname(file), given)

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

/**
 * `clients: [a, b]`, or a map of clients with settings; `count: N` makes a group of N members (`crowd-1` …),
 * each an ordinary client that steps may also name alone.
 */
function parseClients(cursor: YamlCursor): { clients: ScenarioClient[]; groups: Record<string, string[]> } {
  const clients: ScenarioClient[] = []
  const groups: Record<string, string[]> = {}
  const add = (nameCursor: YamlCursor, name: string, settings?: YamlCursor) => {
    if (!CLIENT_NAME.test(name)) nameCursor.fail('a client name: a lowercase letter, then letters, digits, - or _')
    const entries = settings?.present ? settings.entries(['mode', 'protocol', 'eol', 'rejected_when', 'maxReceive', 'retry', 'replyTimeout', 'count', 'link']) : new Map<string, YamlCursor>()
    const mode = entries.get('mode')?.oneOf(['auto', 'framed', 'compat']) ?? 'auto'
    const wire = clientProtocol(entries)
    const retryCursor = entries.get('retry')
    const retry = retryCursor?.number() ?? 0
    if (!Number.isInteger(retry) || retry < 0) retryCursor!.fail('a whole number of retries, 0 or more')
    const timeoutCursor = entries.get('replyTimeout')
    const timeout = timeoutCursor ? { replyTimeoutMs: duration(timeoutCursor) } : {}
    const linkCursor = entries.get('link')
    const link = { ...timeout, ...(linkCursor ? { link: parseLink(linkCursor), relay: true } : { relay: false }) }
    const countCursor = entries.get('count')
    if (!countCursor) return void clients.push({ name, mode, retry, ...wire, ...link })
    const count = countCursor.number()
    if (!Number.isInteger(count) || count < 1 || count > MAX_GROUP_SIZE) countCursor.fail(`a whole number of members, 1 to ${MAX_GROUP_SIZE}`)
    groups[name] = Array.from({ length: count }, (_, i) => `${name}-${i + 1}`)
    for (const member of groups[name]) clients.push({ name: member, mode, retry, ...wire, ...link, group: name })
  }
  if (cursor.isSeq()) for (const item of cursor.items()) add(item, item.string())
  else for (const [name, settings] of cursor.entries()) add(settings, name, settings)
  if (clients.length === 0) cursor.fail('at least one client')
  const twice = clients.find((c, i) => clients.findIndex((o) => o.name === c.name) !== i)
  if (twice) cursor.fail(`clients of different names (${twice.name} is also a member of the group ${twice.group ?? clients.find((c) => c.name === twice.name)!.group})`)
  return { clients, groups }
}

/** `protocol: text | bytes` and the settings only such a client has (`eol`, `rejected_when`, `maxReceive`). */
function clientProtocol(entries: Map<string, YamlCursor>): Pick<ScenarioClient, 'protocol' | 'eol' | 'rejectedWhen' | 'maxReceive'> {
  const protocol = entries.get('protocol')?.oneOf(CLIENT_PROTOCOLS) ?? 'socklab'
  if (protocol === 'socklab') {
    for (const key of ['eol', 'rejected_when', 'maxReceive']) if (entries.has(key)) entries.get(key)!.fail(`\`${key}\` on a text or byte client (protocol: text | bytes)`)
  } else if (entries.has('mode')) entries.get('mode')!.fail("`mode` on a client of socklab's protocol: a text or byte client speaks plain TCP")
  const eolCursor = entries.get('eol')
  if (eolCursor && protocol !== 'text') eolCursor.fail('`eol` on a text client (protocol: text): a byte client sends its bytes as they are')
  const eol = eolCursor?.oneOf(['lf', 'crlf'] as const) ?? 'lf'
  const rejectedCursor = entries.get('rejected_when')
  const rejectedWhen = rejectedCursor?.string()
  if (rejectedWhen !== undefined) {
    try {
      new RegExp(rejectedWhen)
    } catch {
      rejectedCursor!.fail('a valid regular expression')
    }
  }
  const maxCursor = entries.get('maxReceive')
  const maxReceive = maxCursor ? parseSize(maxCursor.scalar() as string | number) : DEFAULT_MAX_RECEIVE
  if (maxReceive === undefined || maxReceive < 1) return maxCursor!.fail('a size such as 64MiB or a number of bytes')
  return { protocol, eol, maxReceive, ...(rejectedWhen !== undefined ? { rejectedWhen } : {}) }
}

/** A list of steps, each checked on its own: a step with a problem is recorded and the next one is read. */
function parseSteps(list: YamlCursor, refs: References, problems: ProblemList): Step[] {
  return list.items().flatMap((item) => problems.check(() => parseStep(item, refs, problems)) ?? [])
}

function parseStep(cursor: YamlCursor, refs: References, problems: ProblemList): Step[] {
  const entries = cursor.entries([...STEP_KIND_NAMES, ...STEP_OPTIONS])
  const kinds = STEP_KIND_NAMES.filter((kind) => entries.has(kind))
  if (kinds.length !== 1) cursor.fail(`exactly one action per step (${STEP_KIND_NAMES.join(', ')})`)
  const kind = kinds[0]!
  const body = entries.get(kind)!
  // `timeout` and `retry` may sit beside the action or inside its map: `- get: { client: a, file: x, timeout: 60s }`.
  const option = (key: string) => entries.get(key) ?? (body.isMap() ? body.entries().get(key) : undefined)
  const timeoutCursor = option('timeout')
  const timeoutMs = timeoutCursor ? duration(timeoutCursor) : DEFAULT_STEP_TIMEOUT_MS
  const retryCursor = option('retry')
  return STEP_KINDS[kind].parse(body, {
    base: { line: cursor.line, timeoutMs, retry: retryCursor ? parseRetry(retryCursor) : undefined },
    timeoutGiven: timeoutCursor !== undefined,
    refs,
    client: (c) => {
      const name = c.string()
      if (refs.groups[name]) c.fail(`one client here`, `${name} is a group: name it with group: ${name}`)
      if (!refs.clients.has(name)) c.fail(`one of the scenario's clients (${clientList(refs)})`, suggestion(name, [...refs.clients]))
      return name
    },
    group: (c) => {
      const name = c.string()
      const members = refs.groups[name]
      if (!members) c.fail(`one of the scenario's client groups (${Object.keys(refs.groups).join(', ') || 'none: give a client a count to make one'})`, suggestion(name, Object.keys(refs.groups)))
      return { group: name, members }
    },
    parseSteps: (list) => parseSteps(list, refs, problems),
  })
}

/** The clients, with each group shown once (`crowd-1…50`), for messages. */
function clientList(refs: References): string {
  const members = new Set(Object.values(refs.groups).flat())
  const single = [...refs.clients].filter((name) => !members.has(name))
  return [...single, ...Object.entries(refs.groups).map(([group, list]) => `${group}-1…${list.length}`)].join(', ')
}

/** `retry: { times: 3, every: 200ms }` or `retry: { until: 5s, every: 200ms }` (either bound, or both). */
function parseRetry(cursor: YamlCursor): RetryPolicy {
  const e = cursor.entries(['times', 'until', 'every'])
  const timesCursor = e.get('times')
  const times = timesCursor?.number()
  if (times !== undefined && (!Number.isInteger(times) || times < 1)) timesCursor!.fail('a whole number of retries, 1 or more')
  const untilMs = e.get('until') ? duration(e.get('until')!) : undefined
  if (times === undefined && untilMs === undefined) cursor.fail('`times` (how many more attempts) or `until` (how long to keep trying), or both')
  return { times, untilMs, everyMs: e.get('every') ? duration(e.get('every')!) : DEFAULT_RETRY_EVERY_MS }
}
