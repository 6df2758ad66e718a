import type { ReplyMatcher, StepBase } from '../scenario.js'
import { checkedText, newValueName, parseReply, type References } from '../step-values.js'
import { fillTemplate } from '../template.js'
import type { YamlCursor } from '../../values/yaml-cursor.js'
import { groupLabel, groupTimeout, sendGroup, type SendGroup } from './client-group.js'
import { describeReply, matchReply, request } from './replies.js'
import { connected, StepFailed, type StepContext } from './step-context.js'
import { ref, stepMap } from './step-schema.js'
import { STEP_OPTIONS, type StepKind } from './step-kind.js'

export interface SendOne extends StepBase {
  kind: 'send'
  client: string
  command: string
  reply?: ReplyMatcher
  /** Values taken from the reply for later steps (`${name}`): each a regex with one group. */
  capture?: Record<string, string>
}

export type SendStep = SendOne | SendGroup

/**
 * `send: { client: a, command: hello, reply: hello ACK }`: a command, and what its reply must be; with
 * `capture: { who: 'Client(\d+)' }`, the group of each regex in the reply becomes `${who}` for later steps.
 * `send: { group: crowd, … }`: every connected member sends it at once, and every reply must match.
 */
export const sendStep: StepKind<SendStep> = {
  kind: 'send',
  schema: {
    anyOf: [
      stepMap({ client: ref('client'), command: ref('text'), reply: ref('reply'), capture: { type: 'object', additionalProperties: { type: 'string' } } }, ['client', 'command']),
      stepMap({ group: ref('group'), command: ref('text'), reply: ref('reply') }, ['group', 'command']),
    ],
  },
  parse(body, scope) {
    const { base, client, group, refs } = scope
    const e = body.entries(['client', 'group', 'command', 'reply', 'capture', ...STEP_OPTIONS])
    const reply = e.get('reply')
    const groupCursor = e.get('group')
    if (groupCursor) {
      for (const key of ['client', 'capture']) if (e.has(key)) e.get(key)!.fail('no `' + key + '` beside `group`')
      const target = group(groupCursor)
      return [
        {
          ...base,
          ...groupTimeout(scope, target.members.length),
          kind: 'send',
          ...target,
          command: checkedText(e.get('command') ?? body.fail('a `command`'), refs),
          reply: reply ? parseReply(reply, refs) : undefined,
        },
      ]
    }
    const step: SendOne = {
      ...base,
      kind: 'send',
      client: client(e.get('client') ?? body.fail('a `client` or a `group`')),
      command: checkedText(e.get('command') ?? body.fail('a `command`'), refs),
      reply: reply ? parseReply(reply, refs) : undefined,
    }
    // Declared after the step's own references are checked: a capture is set once its reply has come.
    const capture = e.get('capture')
    if (capture) step.capture = parseCaptures(capture, refs)
    return [step]
  },
  checks: (step) => step.reply !== undefined,
  label: (step) => `send ${'group' in step ? groupLabel(step) : step.client}: ${step.command}`,
  async run(step, ctx, { signal }) {
    if ('group' in step) return sendGroup(step, ctx, signal)
    const { agent } = connected(ctx, step.client)
    const reply = await request(ctx, step.client, agent, fillTemplate(step.command, ctx), signal)
    if (step.reply) matchReply(step.reply, reply, ctx)
    if (step.capture) return capture(step.capture, describeReply(reply), ctx)
  },
}

function parseCaptures(cursor: YamlCursor, refs: References): Record<string, string> {
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
function capture(captures: Record<string, string>, text: string, ctx: StepContext): string {
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
