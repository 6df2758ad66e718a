import type { ReplyMatcher, StepBase } from '../scenario.js'
import { checkedText, newValueName, parseReply, type References } from '../step-values.js'
import { fillTemplate } from '../template.js'
import type { YamlCursor } from '../../values/yaml-cursor.js'
import { groupLabel, groupTimeout, sendGroup, type SendGroup } from './client-group.js'
import { describeReply, matchReply, request } from './replies.js'
import { connected, StepFailed, type StepContext } from './step-context.js'
import { ref, stepMap } from './step-schema.js'
import { STEP_OPTIONS, type GroupTarget, type ParseScope, type StepKind } from './step-kind.js'
import { WIRE_EXPECT_SCHEMA } from './wire-expect.js'
import { parseExpect, parsePayload, protocolOf, runWireSend, type WirePayload, type WireSend, type WireSendOne } from './wire-send.js'

export interface SendOne extends StepBase {
  kind: 'send'
  client: string
  command: string
  reply?: ReplyMatcher
  /** Values taken from the reply for later steps (`${name}`): each a regex with one group. */
  capture?: Record<string, string>
}

export type SendStep = SendOne | SendGroup | WireSend

const CAPTURE_SCHEMA = { type: 'object', additionalProperties: { type: 'string' } }
const WIRE_SEND_PROPERTIES = { text: ref('text'), bytes: { type: 'string', description: 'hex: 2a 31 0d 0a, or a text sent as its UTF-8 bytes' }, expect: WIRE_EXPECT_SCHEMA }


/**
 * `send: { client: a, command: hello, reply: hello ACK }`: a command, and what its reply must be; with
 * `capture: { who: 'Client(\d+)' }`, the group of each regex in the reply becomes `${who}` for later steps.
 * `send: { group: crowd, … }`: every connected member sends it at once, and every reply must match.
 */
export const sendStep: StepKind<SendStep> = {
  kind: 'send',
  schema: {
    anyOf: [
      stepMap({ client: ref('client'), command: ref('text'), reply: ref('reply'), capture: CAPTURE_SCHEMA }, ['client', 'command']),
      stepMap({ group: ref('group'), command: ref('text'), reply: ref('reply') }, ['group', 'command']),
      stepMap({ client: ref('client'), ...WIRE_SEND_PROPERTIES, capture: CAPTURE_SCHEMA }, ['client'], { oneOf: [{ required: ['text'] }, { required: ['bytes'] }] }),
      stepMap({ group: ref('group'), ...WIRE_SEND_PROPERTIES }, ['group'], { oneOf: [{ required: ['text'] }, { required: ['bytes'] }] }),
    ],
  },
  parse(body, scope) {
    const { base, client, group, refs } = scope
    const e = body.entries(['client', 'group', 'command', 'reply', 'text', 'bytes', 'expect', 'capture', ...STEP_OPTIONS])
    const reply = e.get('reply')
    const groupCursor = e.get('group')
    const target = groupCursor ? group(groupCursor) : undefined
    const name = target ? target.members[0]! : client(e.get('client') ?? body.fail('a `client` or a `group`'))
    if (protocolOf(scope, name) !== 'socklab') return [parseWireSend(body, e, scope, name, target)]
    for (const key of ['text', 'bytes', 'expect']) {
      if (e.has(key)) e.get(key)!.fail(`\`${key}\` on a text or byte client (protocol: text | bytes): ${name} speaks socklab's protocol, and sends a \`command\` (its \`reply\` checked)`)
    }
    if (groupCursor) {
      for (const key of ['client', 'capture']) if (e.has(key)) e.get(key)!.fail('no `' + key + '` beside `group`')
      return [
        {
          ...base,
          ...groupTimeout(scope, target!.members.length),
          kind: 'send',
          ...target!,
          command: checkedText(e.get('command') ?? body.fail('a `command`'), refs),
          reply: reply ? parseReply(reply, refs) : undefined,
        },
      ]
    }
    const step: SendOne = {
      ...base,
      kind: 'send',
      client: name,
      command: checkedText(e.get('command') ?? body.fail('a `command`'), refs),
      reply: reply ? parseReply(reply, refs) : undefined,
    }
    // Declared after the step's own references are checked: a capture is set once its reply has come.
    const capture = e.get('capture')
    if (capture) step.capture = parseCaptures(capture, refs)
    return [step]
  },
  checks: (step) => ('payload' in step ? step.expect !== undefined : step.reply !== undefined),
  label: (step) => `send ${'group' in step ? groupLabel(step) : step.client}: ${'payload' in step ? payloadLabel(step.payload) : step.command}`,
  async run(step, ctx, { signal }) {
    if ('payload' in step) {
      const got = await runWireSend(step, ctx, signal)
      if (!('group' in step) && step.capture && got && typeof got !== 'string') return capture(step.capture, got.text, ctx)
      return typeof got === 'string' ? got : undefined
    }
    if ('group' in step) return sendGroup(step, ctx, signal)
    const { agent } = connected(ctx, step.client)
    const reply = await request(ctx, step.client, agent, fillTemplate(step.command, ctx), signal)
    if (step.reply) matchReply(step.reply, reply, ctx)
    if (step.capture) return capture(step.capture, describeReply(reply), ctx)
  },
}

const payloadLabel = (payload: WirePayload): string => {
  const given = 'text' in payload ? payload.text : payload.bytes
  const shown = /[\u0000-\u001f]/.test(given) ? JSON.stringify(given) : given
  return 'text' in payload ? shown : `bytes ${shown}`
}

/** `send: { client: a, text: PING, expect: +PONG }` for a text or byte client (or a group of them). */
function parseWireSend(body: YamlCursor, e: Map<string, YamlCursor>, scope: ParseScope, name: string, target: GroupTarget | undefined): WireSend {
  for (const key of ['command', 'reply']) {
    if (e.has(key)) e.get(key)!.fail(`\`${key}\` on a client of socklab's protocol: ${name} is a ${scope.refs.protocols.get(name)} client, and sends \`text\` or \`bytes\` (what comes back checked by \`expect\`)`)
  }
  if (target && e.has('client')) e.get('client')!.fail('a `client` or a `group`, not both')
  const payload = parsePayload(e, body, scope)
  const expect = parseExpect(e.get('expect'), scope, name)
  if (target) {
    if (e.has('capture')) e.get('capture')!.fail('no `capture` beside `group`')
    return { ...scope.base, ...groupTimeout(scope, target.members.length), kind: 'send', ...target, payload, ...(expect ? { expect } : {}) }
  }
  const step: WireSendOne = { ...scope.base, kind: 'send', client: name, payload, ...(expect ? { expect } : {}) }
  const captureCursor = e.get('capture')
  if (captureCursor) {
    if (!expect) captureCursor.fail('an `expect` beside it: a capture is taken from what came back')
    step.capture = parseCaptures(captureCursor, scope.refs)
  }
  return step
}

export function parseCaptures(cursor: YamlCursor, refs: References): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of cursor.entries()) {
    const pattern = checkedText(value, refs)
    let groups: number
    try {
      groups = new RegExp(`${pattern}|`).exec('')!.length - 1
    } catch {
      return value.fail('a valid regular expression')
    }
    if (groups !== 1) value.fail('a regular expression with exactly one group, (…), for the value', `it has ${groups}`)
    out[newValueName(value, name, refs)] = pattern
  }
  return out
}

/** Sets each capture from the reply; one that finds nothing fails the step. */
export function capture(captures: Record<string, string>, text: string, ctx: StepContext): string {
  const taken: string[] = []
  for (const [name, pattern] of Object.entries(captures)) {
    const found = new RegExp(fillTemplate(pattern, ctx, true)).exec(text)
    if (!found || found[1] === undefined) throw new StepFailed(`capture ${name} found nothing in the reply`, `a match for /${pattern}/`, text)
    ctx.values.set(name, found[1])
    taken.push(`${name}=${found[1]}`)
  }
  return `captured ${taken.join(', ')}`
}

declare module './step.js' {
  interface StepTypes {
    send: SendStep
  }
}
