import type { ClientProtocol, ScenarioClient } from '../scenario.js'
import { checkReferences, type References } from '../step-values.js'
import { fillTemplate } from '../template.js'
import type { WireClosed, WireStream, WireTake } from '../wire-stream.js'
import type { YamlCursor } from '../../values/yaml-cursor.js'
import { bytesOf, describeBytes } from '../../text/wire-bytes.js'
import { StepFailed, type StepContext } from './step-context.js'
import type { JsonSchema } from './step-schema.js'

/**
 * What a text or byte client waits for (`expect:` of `send` and `receive`), and how it is read from the
 * unread bytes. A text client reads lines (up to LF; a CR before it is dropped): a text, `contains` and
 * `regex` match the next line, `lines` the next few. A byte client matches `contains` and `regex` against the
 * bytes read as Latin-1 (one character per byte), up to the end of the match. Both read `bytes` (exactly
 * those) and `length` (that many, whatever they are).
 */
export type LineMatch = { kind: 'equals'; value: string } | { kind: 'contains'; value: string } | { kind: 'regex'; value: string }

export type WireMatch = LineMatch | { kind: 'lines'; count: number; each?: LineMatch[] } | { kind: 'bytes'; value: string } | { kind: 'length'; value: number }

/** What was read for a match: the bytes, and their text (for captures and the diagram). */
export interface WireRead {
  bytes: Buffer
  text: string
}

const KEYS = ['equals', 'contains', 'regex', 'lines', 'bytes', 'length'] as const

export const WIRE_EXPECT_SCHEMA: JsonSchema = {
  description: 'what comes back: a line (text), or one of equals, contains, regex, lines (a count, or a list of line matches), bytes (hex: … or text), length',
  anyOf: [
    { type: ['string', 'number', 'boolean'] },
    {
      type: 'object',
      minProperties: 1,
      maxProperties: 1,
      additionalProperties: false,
      properties: {
        equals: { $ref: '#/definitions/text' },
        contains: { $ref: '#/definitions/text' },
        regex: { type: 'string' },
        lines: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'array', minItems: 1 }] },
        bytes: { type: 'string', description: 'hex: 2a 31 0d 0a, or a text taken as its UTF-8 bytes' },
        length: { type: 'integer', minimum: 1 },
      },
    },
  ],
}

/** The most lines one `lines:` may wait for. */
const MAX_LINES = 10_000

export function parseWireExpect(cursor: YamlCursor, protocol: ClientProtocol, refs: References): WireMatch {
  if (!cursor.isMap()) return lineMatch(cursor, refs)
  const e = cursor.entries(KEYS)
  if (e.size !== 1) cursor.fail(`exactly one of ${KEYS.join(', ')}`)
  const [[kind, value]] = [...e] as [[(typeof KEYS)[number], YamlCursor]]
  if (kind === 'lines') {
    if (protocol !== 'text') value.fail('`lines` on a text client (protocol: text): a byte client has no lines; match `bytes`, `length` or a `regex`')
    if (value.isSeq()) return { kind, count: value.items().length, each: value.items().map((item) => lineMatch(item, refs)) }
    const count = value.number()
    if (!Number.isInteger(count) || count < 1 || count > MAX_LINES) value.fail(`a whole number of lines, 1 to ${MAX_LINES}, or a list of what each must be`)
    return { kind, count }
  }
  if (kind === 'bytes') {
    const text = String(value.scalar())
    if (!bytesOf(text)) value.fail('hex: and whole pairs of hex digits (hex: 2a 31 0d 0a), or a text')
    checkReferences(value, text, refs)
    return { kind, value: text }
  }
  if (kind === 'length') {
    const length = value.number()
    if (!Number.isInteger(length) || length < 1) value.fail('a whole number of bytes, 1 or more')
    return { kind, value: length }
  }
  return lineMatch(cursor, refs)
}

function lineMatch(cursor: YamlCursor, refs: References): LineMatch {
  if (!cursor.isMap()) {
    const value = String(cursor.scalar())
    checkReferences(cursor, value, refs)
    return { kind: 'equals', value }
  }
  const e = cursor.entries(['equals', 'contains', 'regex'])
  if (e.size !== 1) cursor.fail('exactly one of equals, contains, regex')
  const [[kind, value]] = [...e] as [['equals' | 'contains' | 'regex', YamlCursor]]
  const text = String(value.scalar())
  checkReferences(value, text, refs)
  if (kind === 'regex') {
    try {
      new RegExp(text)
    } catch {
      value.fail('a valid regular expression')
    }
  }
  return { kind, value: text }
}

export function describeWireMatch(match: WireMatch, ctx?: StepContext): string {
  const fill = (text: string, regex = false) => (ctx ? fillTemplate(text, ctx, regex) : text)
  switch (match.kind) {
    case 'equals':
      return JSON.stringify(fill(match.value))
    case 'contains':
      return `a line containing ${JSON.stringify(fill(match.value))}`
    case 'regex':
      return `/${fill(match.value, true)}/`
    case 'lines':
      return match.each ? match.each.map((m) => describeWireMatch(m, ctx)).join(', ') : `${match.count} lines`
    case 'bytes':
      return describeBytes(bytesOf(fill(match.value))!)
    case 'length':
      return `${match.value} bytes`
  }
}

/**
 * Waits on `wire` for what `match` reads and checks it; throws StepFailed with what was expected and what
 * came (or came so far, at the step's timeout or the connection's end).
 */
export async function readWire(client: ScenarioClient, wire: WireStream, match: WireMatch, ctx: StepContext, signal: AbortSignal, timeoutMs: number): Promise<WireRead> {
  const expected = describeWireMatch(match, ctx)
  const read = reader(client.protocol, match, ctx)
  let got: WireRead | Ended
  try {
    got = await wire.read(read, signal)
  } catch (error) {
    if (ctx.signal.aborted || !signal.aborted) throw error
    throw new StepFailed(`${client.name}: nothing matching within ${timeoutMs} ms`, expected, `${describeBytes(wire.pending)} unread`)
  }
  if ('closed' in got) {
    throw new StepFailed(`${client.name}: ${closedWords(got.closed)} before ${what(match)} came`, expected, `${describeBytes(got.left)}, then the end of the connection`)
  }
  if (!matches(client.protocol, match, got, ctx)) {
    throw new StepFailed(`${client.name}: ${match.kind === 'lines' || client.protocol === 'text' ? 'unexpected line' + (match.kind === 'lines' ? 's' : '') : 'unexpected bytes'}`, expected, describeRead(client.protocol, match, got))
  }
  return got
}

type Ended = { closed: WireClosed; left: Buffer }

/** How a connection's end reads in a sentence. */
export const closedWords = (closed: WireClosed): string =>
  closed.how === 'fin'
    ? 'the server closed the connection (FIN)'
    : closed.how === 'rst'
      ? 'the server reset the connection (RST)'
      : closed.how === 'local'
        ? 'the connection was closed by this client'
        : `the connection was lost (${closed.reason})`

const what = (match: WireMatch): string =>
  match.kind === 'lines' ? `${match.count} line${match.count === 1 ? '' : 's'}` : match.kind === 'bytes' || match.kind === 'length' ? 'the bytes' : 'a match'

function reader(protocol: ClientProtocol, match: WireMatch, ctx: StepContext): (pending: Buffer, closed: WireClosed | undefined) => WireTake<WireRead | Ended> {
  const ended = (pending: Buffer, closed: WireClosed | undefined) => (closed ? { value: { closed, left: pending }, consumed: pending.length } : undefined)
  if (match.kind === 'bytes' || match.kind === 'length' || (protocol === 'bytes' && match.kind === 'equals')) {
    const length = match.kind === 'length' ? match.value : bytesOf(fillTemplate(match.value, ctx))!.length
    return (pending, closed) => {
      if (pending.length >= length) {
        const bytes = Buffer.from(pending.subarray(0, length))
        return { value: { bytes, text: bytes.toString('utf8') }, consumed: length }
      }
      return ended(pending, closed)
    }
  }
  if (protocol === 'bytes') {
    // contains and regex, on the bytes as Latin-1: one character per byte, so a match's end is a byte offset.
    const pattern = match.kind === 'regex' ? new RegExp(fillTemplate(match.value, ctx, true)) : undefined
    const needle = match.kind === 'contains' ? Buffer.from(fillTemplate(match.value, ctx), 'utf8') : undefined
    return (pending, closed) => {
      let end = -1
      if (needle) {
        const at = pending.indexOf(needle)
        if (at >= 0) end = at + needle.length
      } else {
        const found = pattern!.exec(pending.toString('latin1'))
        if (found) end = found.index + found[0].length
      }
      if (end >= 0) {
        const bytes = Buffer.from(pending.subarray(0, end))
        return { value: { bytes, text: bytes.toString('utf8') }, consumed: end }
      }
      return ended(pending, closed)
    }
  }
  const count = match.kind === 'lines' ? match.count : 1
  return (pending, closed) => {
    let at = 0
    for (let n = 0; n < count; n += 1) {
      const eol = pending.indexOf(0x0a, at)
      if (eol < 0) {
        // The last line of a connection that ended without its line end is still a line.
        if (closed && n === count - 1 && at < pending.length) {
          at = pending.length
          break
        }
        return ended(pending, closed)
      }
      at = eol + 1
    }
    const bytes = Buffer.from(pending.subarray(0, at))
    return { value: { bytes, text: linesOf(bytes).join('\n') }, consumed: at }
  }
}

/** The lines of what a text client read, without their line ends (LF, or CR LF). */
export const linesOf = (bytes: Buffer): string[] =>
  bytes
    .toString('utf8')
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))

function matches(protocol: ClientProtocol, match: WireMatch, got: WireRead, ctx: StepContext): boolean {
  switch (match.kind) {
    case 'bytes':
      return got.bytes.equals(bytesOf(fillTemplate(match.value, ctx))!)
    case 'length':
      return true
    case 'lines':
      return !match.each || linesOf(got.bytes).every((line, i) => lineMatches(match.each![i]!, line, ctx))
    default:
      if (protocol === 'bytes') return match.kind !== 'equals' || got.bytes.equals(Buffer.from(fillTemplate(match.value, ctx), 'utf8'))
      return lineMatches(match, got.text, ctx)
  }
}

function lineMatches(match: LineMatch, line: string, ctx: StepContext): boolean {
  if (match.kind === 'equals') return line === fillTemplate(match.value, ctx)
  if (match.kind === 'contains') return line.includes(fillTemplate(match.value, ctx))
  return new RegExp(fillTemplate(match.value, ctx, true)).test(line)
}

function describeRead(protocol: ClientProtocol, match: WireMatch, got: WireRead): string {
  if (protocol === 'text' && match.kind !== 'bytes' && match.kind !== 'length') return linesOf(got.bytes).map((line) => JSON.stringify(line)).join(', ')
  return describeBytes(got.bytes)
}
