import type { AgentOutput } from '../../client/agent-protocol.js'
import type { Reply } from '../../client/reply.js'
import { DEFAULT_STEP_TIMEOUT_MS, type DisconnectHow, type ReplyMatcher, type StepBase } from '../scenario.js'
import { fillTemplate } from '../template.js'
import { startAgent, stopAgent, WIRE } from './agents.js'
import { answer, describeOutput, describeReply, matchReply } from './replies.js'
import { say, StepFailed, type StepContext } from './step-context.js'
import type { GroupTarget, ParseScope } from './step-kind.js'

/**
 * Client groups (`clients: { crowd: { count: 50 } }`) in connect, send and disconnect: every member acts at
 * once, the outcomes are counted, and the diagram shows the group as one participant.
 */

export interface ConnectGroup extends StepBase, GroupTarget {
  kind: 'connect'
  /** How many must be admitted and rejected; all admitted when neither is given. */
  admitted?: number
  rejected?: number
}

export interface SendGroup extends StepBase, GroupTarget {
  kind: 'send'
  command: string
  reply?: ReplyMatcher
}

export interface DisconnectGroup extends StepBase, GroupTarget {
  kind: 'disconnect'
  how: DisconnectHow
}

/** Time each member adds to a group step's default timeout (each is a process or a container starting: 0.3–0.5 s on two cores, twice that under load). */
export const GROUP_MEMBER_MS = 1000

/** A group step's timeout: the one given, or the default and GROUP_MEMBER_MS per member. */
export const groupTimeout = (scope: ParseScope, members: number): { timeoutMs: number } => ({
  timeoutMs: scope.timeoutGiven ? scope.base.timeoutMs : DEFAULT_STEP_TIMEOUT_MS + GROUP_MEMBER_MS * members,
})

export const groupLabel = (step: GroupTarget): string => `${step.group} (${step.members.length})`

const connectedMembers = (step: GroupTarget, ctx: StepContext): string[] => step.members.filter((member) => ctx.agents.has(member))

export async function connectGroup(step: ConnectGroup, ctx: StepContext, signal: AbortSignal): Promise<string> {
  say(ctx, { from: step.group, to: 'server', text: `connect × ${step.members.length}` })
  let answered = 0
  const outcomes = await Promise.all(step.members.map((member) => startAgent(ctx, member, signal).finally(() => (answered += 1)))).catch((error: unknown) => {
    if (!signal.aborted || ctx.signal.aborted) throw error
    const waiting = step.members.length - answered
    throw new StepFailed(`timed out after ${step.timeoutMs} ms, with ${waiting} of ${step.members.length} members not answered by the server yet (the clients' own starts are not counted)`)
  })
  const admitted = outcomes.filter((o): o is Extract<AgentOutput, { type: 'connected' }> => o.type === 'connected')
  const rejected = outcomes.filter((o) => o.type === 'rejected')
  const failed = outcomes.map((o, i) => [step.members[i]!, o] as const).filter(([, o]) => o.type !== 'connected' && o.type !== 'rejected')
  const names = admitted.map((o) => o.client).filter(Boolean)
  const summary = `${admitted.length} admitted${names.length > 0 ? ` (${names.join(', ')})` : ''}, ${rejected.length} rejected`
  say(ctx, { from: 'server', to: step.group, text: summary })
  if (failed.length > 0) {
    const [member, output] = failed[0]!
    throw new StepFailed(`${failed.length} of ${step.members.length} could not connect`, 'admitted or rejected', `${member}: ${describeOutput(output)}`)
  }
  const wantAdmitted = step.admitted ?? (step.rejected === undefined ? step.members.length : step.members.length - step.rejected)
  const wantRejected = step.members.length - wantAdmitted
  if (admitted.length !== wantAdmitted) {
    throw new StepFailed(`${step.group}: ${admitted.length} admitted, not ${wantAdmitted}`, `${wantAdmitted} admitted, ${wantRejected} rejected`, summary)
  }
  return summary
}

export async function sendGroup(step: SendGroup, ctx: StepContext, signal: AbortSignal): Promise<string> {
  const members = connectedMembers(step, ctx)
  if (members.length === 0) throw new StepFailed(`no member of ${step.group} is connected`)
  const command = fillTemplate(step.command, ctx)
  say(ctx, { from: step.group, to: 'server', text: `${command} (× ${members.length})` })
  const replies = await Promise.all(
    members.map((member): Promise<Reply> => {
      const { agent } = ctx.agents.get(member)!
      agent.write({ command })
      return answer(ctx, member, command, agent, signal, false)
    }),
  )
  const wrong: Array<[string, StepFailed]> = []
  for (const [i, reply] of replies.entries()) {
    try {
      if (step.reply) matchReply(step.reply, reply, ctx)
    } catch (error) {
      if (!(error instanceof StepFailed)) throw error
      wrong.push([members[i]!, error])
    }
  }
  const distinct = [...new Set(replies.map(describeReply))]
  say(ctx, { from: 'server', to: step.group, text: distinct.length === 1 ? distinct[0]! : `${distinct.length} different replies` })
  if (wrong.length > 0) {
    const [member, first] = wrong[0]!
    throw new StepFailed(`${wrong.length} of ${members.length} replies did not match`, first.expected, `${member}: ${first.actual}`)
  }
  return `${members.length} replies`
}

export async function disconnectGroup(step: DisconnectGroup, ctx: StepContext, signal: AbortSignal): Promise<string> {
  const members = connectedMembers(step, ctx)
  if (members.length === 0) throw new StepFailed(`no member of ${step.group} is connected`)
  say(ctx, { from: step.group, to: 'server', text: `${WIRE[step.how]} (× ${members.length})` })
  await Promise.all(members.map((member) => stopAgent(ctx, member, step.how, signal, true)))
  return `${members.length} disconnected`
}
