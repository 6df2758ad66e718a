import { bytesOf, describeBytes, printableText } from '../../text/wire-bytes.js'
import type { YamlCursor } from '../../values/yaml-cursor.js'
import type { ScenarioClient, StepBase } from '../scenario.js'
import { checkedText } from '../step-values.js'
import { fillTemplate } from '../template.js'
import type { WireStream } from '../wire-stream.js'
import { connected, say, StepFailed, type StepContext } from './step-context.js'
import type { GroupTarget, ParseScope } from './step-kind.js'
import { closedWords, linesOf, parseWireExpect, readWire, type WireMatch, type WireRead } from './wire-expect.js'

/**
 * Sending and reading for text and byte clients (`protocol: text | bytes`): `send: { client, text | bytes,
 * expect }`, and what `receive` shares with it.
 */

/** What is sent: a text (a text client adds its line end) or bytes (`hex: …`, or a text as its UTF-8 bytes). */
export type WirePayload = { text: string } | { bytes: string }

export interface WireSendOne extends StepBase {
  kind: 'send'
  client: string
  payload: WirePayload
  expect?: WireMatch
  capture?: Record<string, string>
}

export interface WireSendGroup extends StepBase, GroupTarget {
  kind: 'send'
  payload: WirePayload
  expect?: WireMatch
}

export type WireSend = WireSendOne | WireSendGroup

/** The protocol of the clients a step names (a group's members all share theirs). */
export const protocolOf = (scope: ParseScope, name: string) => scope.refs.protocols.get(name) ?? 'socklab'

/** `text:` or `bytes:` of a send (exactly one), checked for references. */
export function parsePayload(e: Map<string, YamlCursor>, body: YamlCursor, scope: ParseScope): WirePayload {
  if (e.has('text') && e.has('bytes')) e.get('bytes')!.fail('one of `text` or `bytes`, not both')
  const text = e.get('text')
  if (text) return { text: checkedText(text, scope.refs) }
  const bytes = e.get('bytes') ?? body.fail('a `text` or `bytes` to send')
  const value = checkedText(bytes, scope.refs)
  if (!bytesOf(value)) bytes.fail('hex: and whole pairs of hex digits (hex: 2a 31 0d 0a), or a text')
  return { bytes: value }
}

export const parseExpect = (cursor: YamlCursor | undefined, scope: ParseScope, name: string): WireMatch | undefined =>
  cursor ? parseWireExpect(cursor, protocolOf(scope, name), scope.refs) : undefined

/** The bytes a payload puts on the wire, for this client. */
export function payloadBytes(payload: WirePayload, client: ScenarioClient, ctx: StepContext): Buffer {
  if ('bytes' in payload) return bytesOf(fillTemplate(payload.bytes, ctx))!
  const text = fillTemplate(payload.text, ctx)
  return Buffer.from(client.protocol === 'text' ? `${text}${client.eol === 'crlf' ? '\r\n' : '\n'}` : text, 'utf8')
}

/** A connected text or byte client, its stream, and a refusal to act on one whose connection has ended. */
export function wireClient(ctx: StepContext, name: string): { client: ScenarioClient; wire: WireStream; write(bytes: Buffer): void } {
  const entry = connected(ctx, name)
  const client = ctx.scenario.clients.find((c) => c.name === name)!
  if (!entry.wire) throw new StepFailed(`${name} speaks socklab's protocol, not text or bytes`)
  if (entry.wire.closed) throw new StepFailed(`${name}: ${closedWords(entry.wire.closed)}`, 'an open connection', `${describeBytes(entry.wire.pending)} unread`)
  return { client, wire: entry.wire, write: (bytes) => entry.agent.write({ send: bytes.toString('base64') }) }
}

/** An arrow's text for bytes a client sent or read: a text client's lines as they are, else the bytes shown readably. */
export function shown(client: ScenarioClient, bytes: Buffer): string {
  if (client.protocol === 'text' && printableText(bytes) !== undefined) {
    const text = linesOf(bytes).join(' ⏎ ')
    if (text.length <= 160) return text
  }
  return describeBytes(bytes)
}

/** Reads what `match` waits for and draws it as an arrow from the server. */
export async function readShown(ctx: StepContext, name: string, match: WireMatch, signal: AbortSignal, timeoutMs: number): Promise<WireRead> {
  const { client, wire } = wireClient(ctx, name)
  try {
    const got = await readWire(client, wire, match, ctx, signal, timeoutMs)
    say(ctx, { from: 'server', to: name, text: shown(client, got.bytes) })
    return got
  } catch (error) {
    if (error instanceof StepFailed && error.actual) say(ctx, { from: 'server', to: name, text: error.actual })
    throw error
  }
}

export async function runWireSend(step: WireSend, ctx: StepContext, signal: AbortSignal): Promise<WireRead | string | undefined> {
  if ('group' in step) return runWireSendGroup(step, ctx, signal)
  const { client, write } = wireClient(ctx, step.client)
  const bytes = payloadBytes(step.payload, client, ctx)
  write(bytes)
  say(ctx, { from: step.client, to: 'server', text: shown(client, bytes) })
  if (!step.expect) return undefined
  return readShown(ctx, step.client, step.expect, signal, step.timeoutMs)
}

async function runWireSendGroup(step: WireSendGroup, ctx: StepContext, signal: AbortSignal): Promise<string> {
  const members = step.members.filter((member) => ctx.agents.has(member))
  if (members.length === 0) throw new StepFailed(`no member of ${step.group} is connected`)
  const clients = members.map((member) => wireClient(ctx, member))
  const first = payloadBytes(step.payload, clients[0]!.client, ctx)
  for (const { client, write } of clients) write(payloadBytes(step.payload, client, ctx))
  say(ctx, { from: step.group, to: 'server', text: `${shown(clients[0]!.client, first)} (× ${members.length})` })
  if (!step.expect) return `${members.length} sent`
  return readGroup(ctx, step.group, members, step.expect, signal, step.timeoutMs)
}

/** Every member reads what `match` waits for; the first that did not is the step's failure. */
export async function readGroup(ctx: StepContext, group: string, members: string[], match: WireMatch, signal: AbortSignal, timeoutMs: number): Promise<string> {
  const outcomes = await Promise.all(
    members.map((member) => {
      const { client, wire } = wireClient(ctx, member)
      return readWire(client, wire, match, ctx, signal, timeoutMs).then(
        (got) => ({ member, got, client }),
        (error: unknown) => {
          if (error instanceof StepFailed) return { member, error }
          throw error
        },
      )
    }),
  )
  const wrong = outcomes.filter((o): o is { member: string; error: StepFailed } => 'error' in o)
  const read = outcomes.filter((o): o is { member: string; got: WireRead; client: ScenarioClient } => 'got' in o)
  const distinct = [...new Set(read.map((o) => shown(o.client, o.got.bytes)))]
  say(ctx, { from: 'server', to: group, text: wrong.length > 0 ? `${wrong.length} of ${members.length} did not match` : distinct.length === 1 ? distinct[0]! : `${distinct.length} different replies` })
  if (wrong.length > 0) {
    const { member, error } = wrong[0]!
    throw new StepFailed(`${wrong.length} of ${members.length} did not get what was expected: ${error.message}`, error.expected, `${member}: ${error.actual}`)
  }
  return `${members.length} matched${distinct.length > 1 ? ` (${distinct.length} different)` : ''}`
}
