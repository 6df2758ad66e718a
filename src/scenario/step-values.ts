import { SOCKLAB_ERROR_CODES } from '../errors/socklab-error.js'
import { SERVER_EVENT_FIELDS, type ServerEventName } from '../events/server-event.js'
import { WIRE_ERROR_CODES } from '../protocol/wire-error-code.js'
import { closest } from '../text/did-you-mean.js'
import type { EventFields, ReplyMatcher } from './scenario.js'
import { parseDuration } from './units.js'
import type { YamlCursor } from './yaml-cursor.js'

/**
 * How the values inside steps are read and checked: replies, event fields, error codes, `${client.fact}`
 * references and durations. Whatever would be accepted and then never match is refused here, with a
 * suggestion for a near miss.
 */

/** A string value that may hold `${client.fact}` references, each checked. */
export function checkedText(cursor: YamlCursor, clients: ReadonlySet<string>): string {
  const text = String(cursor.scalar())
  checkReferences(cursor, text, clients)
  return text
}

/** A step's `reply:`: a text (equals), or one of equals, contains, regex, error. */
export function parseReply(cursor: YamlCursor, clients: ReadonlySet<string>): ReplyMatcher {
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
export function parseFields(cursor: YamlCursor | undefined, event: ServerEventName, clients: ReadonlySet<string>): EventFields {
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
export function suggestion(word: string, known: readonly string[]): string | undefined {
  const near = closest(word, known)
  return near ? `did you mean ${near}?` : undefined
}

const ERROR_CODES: readonly string[] = [...WIRE_ERROR_CODES, ...SOCKLAB_ERROR_CODES]

/** An expected error: a code the server (ERROR frames) or the client (its own failures) can give. */
export function errorCode(cursor: YamlCursor, extra: readonly string[] = []): string {
  const code = cursor.string()
  const known = [...ERROR_CODES, ...extra]
  if (!known.includes(code)) cursor.fail(`an error code (${known.join(', ')})`, suggestion(code, known))
  return code
}

const FIELD_REFERENCE = /\$\{([^}]*)\}/g
const REFERENCE_PARTS = /^([a-z][a-z0-9_-]*)\.([a-z]+)$/
const CLIENT_FACTS = ['address', 'port', 'name']

/** Every `${client.field}` in a string names a client of the scenario and a fact a client has. */
export function checkReferences(cursor: YamlCursor, text: string, clients: ReadonlySet<string>): void {
  for (const [whole, inner] of text.matchAll(FIELD_REFERENCE)) {
    const parts = REFERENCE_PARTS.exec(inner!.trim())
    if (!parts) cursor.fail(`references of the form \${client.address}, \${client.port} or \${client.name}`, `${whole} is not one`)
    const [, client, fact] = parts
    if (!clients.has(client!)) cursor.fail(`references to the scenario's clients (${[...clients].join(', ')})`, suggestion(client!, [...clients]) ?? `${whole} names none`)
    if (!CLIENT_FACTS.includes(fact!)) cursor.fail(`a client's address, port or name in ${whole}`, suggestion(fact!, CLIENT_FACTS) ?? `${fact} is none of them`)
  }
}

/** A duration such as 500ms, 10s or 2m. */
export function duration(cursor: YamlCursor): number {
  const ms = parseDuration(cursor.scalar() as string | number)
  if (ms === undefined || ms <= 0) return cursor.fail('a duration such as 500ms, 10s or 2m')
  return ms
}
