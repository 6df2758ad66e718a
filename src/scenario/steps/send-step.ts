import type { ReplyMatcher, StepBase } from '../scenario.js'
import { checkedText, parseReply } from '../step-values.js'
import { matchReply, request } from './replies.js'
import { connected } from './step-context.js'
import type { StepKind } from './step-kind.js'

export interface SendStep extends StepBase {
  kind: 'send'
  client: string
  command: string
  reply?: ReplyMatcher
}

/** `send: { client: a, command: hello, reply: hello ACK }`: a command, and what its reply must be. */
export const sendStep: StepKind<SendStep> = {
  kind: 'send',
  parse(body, { base, client, clients }) {
    const e = body.entries(['client', 'command', 'reply', 'timeout'])
    const reply = e.get('reply')
    return [
      {
        ...base,
        kind: 'send',
        client: client(e.get('client') ?? body.fail('a `client`')),
        command: checkedText(e.get('command') ?? body.fail('a `command`'), clients),
        reply: reply ? parseReply(reply, clients) : undefined,
      },
    ]
  },
  label: (step) => `send ${step.client}: ${step.command}`,
  async run(step, ctx, { signal }) {
    const { agent } = connected(ctx, step.client)
    const reply = await request(ctx, step.client, agent, step.command, signal)
    if (step.reply) matchReply(step.reply, reply, ctx)
  },
}
