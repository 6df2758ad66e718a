import type { AgentOutput } from '../../client/agent-protocol.js'
import type { Reply } from '../../client/reply.js'
import type { ReplyMatcher } from '../scenario.js'
import { fillTemplate } from '../template.js'
import type { ClientAgent } from '../targets/scenario-target.js'
import { say as sayTo, StepFailed, type StepContext } from './step-context.js'

/** Sends a command as `client` and waits for its answer. */
export async function request(ctx: StepContext, client: string, agent: ClientAgent, command: string, signal: AbortSignal): Promise<Reply> {
  agent.write({ command })
  sayTo(ctx, { from: client, to: 'server', text: command })
  return answer(ctx, client, command, agent, signal)
}

/** The agent's answer to `command`; the client's own failures (a lost connection) come back as error codes. */
export async function answer(ctx: StepContext, client: string, command: string, agent: ClientAgent, signal: AbortSignal, tell = true): Promise<Reply> {
  const out = await agent.channel.next(signal)
  // `tell`: draw the answer in the diagram (a group's answers are drawn once, together).
  const say = tell ? sayTo : () => undefined
  if (out.type === 'error') {
    say(ctx, { from: 'server', to: client, text: describeOutput(out) })
    return { kind: 'error', code: out.code, message: out.message }
  }
  if (out.type === 'closed') {
    // The connection ended before the command went out (the server's goodbye and close came first): the
    // same event as a command that finds it gone, so the same answer, whichever way the race went.
    say(ctx, { from: 'server', to: client, text: describeOutput(out) })
    return { kind: 'error', code: 'SOCKLAB_CONNECTION_LOST', message: `the connection had already ended: ${out.reason}` }
  }
  if (out.type !== 'reply') {
    say(ctx, { from: 'server', to: client, text: describeOutput(out) })
    throw new StepFailed(`no reply to ${command}`, 'a reply', describeOutput(out))
  }
  say(ctx, { from: 'server', to: client, text: describeReply(out.reply) })
  return out.reply
}

/** Checks a reply against a step's `reply:`; throws StepFailed with expected and actual. */
export function matchReply(matcher: ReplyMatcher, reply: Reply, ctx: StepContext): void {
  const actual = describeReply(reply)
  if (matcher.kind === 'error') {
    if (reply.kind === 'error' && reply.code === matcher.code) return
    throw new StepFailed('unexpected reply', `error ${matcher.code}`, actual)
  }
  if (reply.kind !== 'text') throw new StepFailed('unexpected reply', describeMatcher(matcher, ctx), actual)
  const text = reply.text
  const ok =
    matcher.kind === 'equals'
      ? text === fillTemplate(matcher.value, ctx)
      : matcher.kind === 'contains'
        ? text.includes(fillTemplate(matcher.value, ctx))
        : new RegExp(fillTemplate(matcher.value, ctx, true)).test(text)
  if (!ok) throw new StepFailed('unexpected reply', describeMatcher(matcher, ctx), text)
}

function describeMatcher(matcher: ReplyMatcher, ctx: StepContext): string {
  if (matcher.kind === 'error') return `error ${matcher.code}`
  return `${matcher.kind === 'equals' ? '' : `${matcher.kind} `}${fillTemplate(matcher.value, ctx, matcher.kind === 'regex')}`
}

export function describeReply(reply: Reply): string {
  switch (reply.kind) {
    case 'text':
      return reply.text
    case 'error':
      return `error ${reply.code}: ${reply.message}`
    case 'saved':
      return `saved ${reply.name} (${reply.bytes} bytes, sha256 ${reply.sha256}${reply.verified ? '' : ', unverified'})`
    case 'bye':
      return `bye (${reply.reason})`
  }
}

export function describeOutput(out: AgentOutput): string {
  switch (out.type) {
    case 'failed':
    case 'error':
      return `${out.code}: ${out.message}`
    case 'closed':
      return `connection closed: ${out.reason}`
    case 'rejected':
      return out.message
    case 'connected':
      return `connected as ${out.client ?? '?'}`
    case 'reply':
      return describeReply(out.reply)
    case 'held':
      return `${out.name} started; the client holds it`
    case 'standby':
      return 'started, not connected'
    case 'data':
      return `${Buffer.from(out.data, 'base64').length} bytes`
  }
}
