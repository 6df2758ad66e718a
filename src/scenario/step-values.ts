import { SOCKLAB_ERROR_CODES } from '../errors/socklab-error.js'
import { EVENT_FIELD_VALUES, FIELD_VALUES, SERVER_EVENT_FIELDS, type ServerEventName } from '../events/server-event.js'
import { WIRE_ERROR_CODES } from '../protocol/wire-error-code.js'
import { suggestion } from '../values/suggestion.js'
import type { ClientProtocol, EventFields, ReplyMatcher } from './scenario.js'
import type { YamlCursor } from '../values/yaml-cursor.js'

/**
 * How the values inside steps are read and checked: replies, event fields, error codes, `${client.fact}`
 * references and durations. Whatever would be accepted and then never match is refused here, with a
 * suggestion for a near miss.
 */

/**
 * What a `${…}` in a step may name while the file is read: a client's fact (`${a.port}`), or a value set while
 * running by a step above (a capture, a repeat counter). Variables are filled in before any check.
 */
export interface References {
  clients: ReadonlySet<string>
  /** What each client speaks (socklab's protocol, text or bytes): steps that do not fit it are refused. */
  protocols: ReadonlyMap<string, ClientProtocol>
  /** Client groups and their members. */
  groups: Readonly<Record<string, string[]>>
  /** Captures and counters declared so far, in the order of the file. */
  values: Set<string>
  /** The file's variables, only to suggest one for a near miss. */
  vars: ReadonlySet<string>
}

/** A string value that may hold `${client.fact}` and `${value}` references, each checked. */
export function checkedText(cursor: YamlCursor, refs: References): string {
  const text = String(cursor.scalar())
  checkReferences(cursor, text, refs)
  return text
}

/** A step's `reply:`: a text (equals), or one of equals, contains, regex, error. */
export function parseReply(cursor: YamlCursor, refs: References): ReplyMatcher {
  if (!cursor.isMap()) {
    const value = String(cursor.scalar())
    checkReferences(cursor, value, refs)
    return { kind: 'equals', value }
  }
  const e = cursor.entries(['equals', 'contains', 'regex', 'error'])
  if (e.size !== 1) cursor.fail('exactly one of equals, contains, regex, error')
  const [[kind, value]] = [...e]
  if (kind === 'regex') {
    const pattern = value!.string()
    checkReferences(value!, pattern, refs)
    try {
      new RegExp(pattern)
    } catch {
      value!.fail('a valid regular expression')
    }
    return { kind, value: pattern }
  }
  if (kind === 'error') return { kind, code: errorCode(value!) }
  const text = String(value!.scalar())
  checkReferences(value!, text, refs)
  return { kind: kind as 'equals' | 'contains', value: text }
}

/** `where:` of an event step: each key a field that event has (events/server-event.ts), each value checked for references. */
export function parseFields(cursor: YamlCursor | undefined, event: ServerEventName, refs: References): EventFields {
  if (!cursor?.present) return {}
  const fields: readonly string[] = SERVER_EVENT_FIELDS[event]
  const out: EventFields = {}
  for (const [key, value] of cursor.entries(fields, `a field of ${event} (${fields.join(', ')})`)) {
    const scalar = value.scalar()
    if (typeof scalar === 'string') checkReferences(value, scalar, refs)
    const allowed = EVENT_FIELD_VALUES[event]?.[key] ?? FIELD_VALUES[key]
    if (allowed && !allowed.includes(String(scalar)) && !String(scalar).includes('${')) {
      value.fail(`a ${key} of ${event} (${allowed.join(', ')})`, suggestion(String(scalar), allowed))
    }
    out[key] = typeof scalar === 'boolean' ? String(scalar) : scalar
  }
  return out
}


const ERROR_CODES: readonly string[] = [...WIRE_ERROR_CODES, ...SOCKLAB_ERROR_CODES]

/** An expected error: a code the server (ERROR frames) or the client (its own failures) can give. */
export function errorCode(cursor: YamlCursor, extra: readonly string[] = []): string {
  const code = cursor.string()
  const known = [...ERROR_CODES, ...extra]
  if (!known.includes(code)) cursor.fail(`an error code (${known.join(', ')})`, suggestion(code, known))
  return code
}

const REFERENCE = /(?<!\$)\$\{([^}]*)\}/g
const CLIENT_FACT = /^([a-z][a-z0-9_-]*)\.([a-z]+)$/
const VALUE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const CLIENT_FACTS = ['address', 'port', 'name']

/**
 * Every `${…}` in a string names something that will have a value when the step runs: a client of the
 * scenario and one of its facts, or a capture or counter declared above. (`$${…}` is the text `${…}`.)
 */
export function checkReferences(cursor: YamlCursor, text: string, refs: References): void {
  for (const [whole, inner] of text.matchAll(REFERENCE)) {
    const name = inner!.trim()
    if (VALUE_NAME.test(name)) {
      if (refs.values.has(name)) continue
      const known = [...refs.vars, ...refs.values]
      cursor.fail(`a variable, or a capture or counter set by a step above (${known.join(', ') || 'none here'})`, suggestion(name, known) ?? `${whole} is none of them`)
    }
    const parts = CLIENT_FACT.exec(name)
    if (!parts) cursor.fail('references of the form ${client.address}, ${client.port}, ${client.name} or ${name}', `${whole} is not one`)
    const [, client, fact] = parts
    const clients = [...refs.clients]
    if (!refs.clients.has(client!)) cursor.fail(`references to the scenario's clients (${clients.join(', ')})`, suggestion(client!, clients) ?? `${whole} names none`)
    if (!CLIENT_FACTS.includes(fact!)) cursor.fail(`a client's address, port or name in ${whole}`, suggestion(fact!, CLIENT_FACTS) ?? `${fact} is none of them`)
  }
}

/** A name for a value set while running (a capture, a counter): new, and not a variable's. */
export function newValueName(cursor: YamlCursor, name: string, refs: References): string {
  if (!VALUE_NAME.test(name)) cursor.fail('a name of letters, digits and _ (not starting with a digit)')
  if (refs.vars.has(name)) cursor.fail('a name that is not a variable of the file', `${name} is one`)
  refs.values.add(name)
  return name
}

