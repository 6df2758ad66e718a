import type { StepBase } from '../scenario.js'
import { connectGroup, groupLabel, groupTimeout, type ConnectGroup } from './client-group.js'
import { startAgent } from './agents.js'
import { connectWire, connectWireGroup } from './wire-connect.js'
import { describeOutput } from './replies.js'
import { say, StepFailed, StepSkipped } from './step-context.js'
import { ref, stepMap } from './step-schema.js'
import { STEP_OPTIONS, type StepKind } from './step-kind.js'

export interface ConnectOne extends StepBase {
  kind: 'connect'
  client: string
  expect: 'admitted' | 'rejected'
  /** The name the server must give it (`Client01`). */
  as?: string
}

export type ConnectStep = ConnectOne | ConnectGroup

/**
 * `connect: a`, `connect: [a, b]`, `connect: { client: a, expect: rejected, as: Client04 }`, or for a group
 * `connect: { group: crowd, admitted: 3, rejected: 47 }` (all members at once, counted).
 */
export const connectStep: StepKind<ConnectStep> = {
  kind: 'connect',
  schema: {
    anyOf: [
      ref('client'),
      { type: 'array', items: ref('client'), minItems: 1 },
      stepMap({ client: ref('client'), expect: { enum: ['admitted', 'rejected'] }, as: { type: 'string' } }, ['client']),
      stepMap({ group: ref('group'), admitted: ref('count'), rejected: ref('count') }, ['group']),
    ],
  },
  parse(body, scope) {
    const { base, client, group } = scope
    if (body.isSeq()) return body.items().map((item) => ({ ...base, kind: 'connect', client: client(item), expect: 'admitted' }))
    if (!body.isMap()) return [{ ...base, kind: 'connect', client: client(body), expect: 'admitted' }]
    const e = body.entries(['client', 'group', 'expect', 'as', 'admitted', 'rejected', ...STEP_OPTIONS])
    const groupCursor = e.get('group')
    if (groupCursor) {
      for (const key of ['client', 'expect', 'as']) if (e.has(key)) e.get(key)!.fail('no `' + key + '` beside `group` (a group is counted: admitted, rejected)')
      const target = group(groupCursor)
      const count = (key: 'admitted' | 'rejected') => {
        const cursor = e.get(key)
        const value = cursor?.number()
        if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > target.members.length)) cursor!.fail(`a whole number of members, 0 to ${target.members.length}`)
        return value
      }
      const admitted = count('admitted')
      const rejected = count('rejected')
      if (admitted !== undefined && rejected !== undefined && admitted + rejected !== target.members.length) {
        body.fail(`admitted and rejected that add up to the ${target.members.length} members of ${target.group}`)
      }
      return [{ ...base, ...groupTimeout(scope, target.members.length), kind: 'connect', ...target, admitted, rejected }]
    }
    for (const key of ['admitted', 'rejected']) if (e.has(key)) e.get(key)!.fail('`' + key + '` only with `group`')
    const name = client(e.get('client') ?? body.fail('a `client` or a `group`'))
    if (e.has('as') && scope.refs.protocols.get(name) !== 'socklab') e.get('as')!.fail("`as` on a client of socklab's protocol: a server of any protocol gives a text or byte client no name to check")
    return [
      {
        ...base,
        kind: 'connect',
        client: name,
        expect: e.get('expect')?.oneOf(['admitted', 'rejected']) ?? 'admitted',
        as: e.get('as')?.string(),
      },
    ]
  },
  // Admission is a check when the step says what it must be (a rejection, a group's counts); connecting alone sets the stage.
  checks: (step) => ('group' in step ? step.admitted !== undefined || step.rejected !== undefined : step.expect === 'rejected'),
  label: (step) =>
    'group' in step
      ? `connect ${groupLabel(step)}${step.admitted !== undefined ? `, ${step.admitted} admitted` : ''}${step.rejected !== undefined ? `, ${step.rejected} rejected` : ''}`
      : `connect ${step.client}${step.expect === 'rejected' ? ' (expect rejected)' : step.as ? ` as ${step.as}` : ''}`,
  async run(step, ctx, { signal }) {
    const speaksWire = (name: string) => ctx.scenario.clients.find((c) => c.name === name)!.protocol !== 'socklab'
    if ('group' in step) return speaksWire(step.members[0]!) ? connectWireGroup(step, ctx, signal) : connectGroup(step, ctx, signal)
    if (speaksWire(step.client)) return connectWire(step, ctx, signal)
    const first = await startAgent(ctx, step.client, signal)
    say(ctx, { from: step.client, to: 'server', text: 'connect' })
    if (first.type === 'connected') {
      say(ctx, { from: 'server', to: step.client, text: first.client ? `welcome, ${first.client}` : 'connected (compatible mode)' })
      // A client in compatible mode is not told its name: the server's log says it, where it can be read.
      const known = ctx.facts.get(step.client)?.name
      if (step.expect === 'rejected') throw new StepFailed(`${step.client} was admitted`, 'rejected', `admitted as ${known ?? '?'}`)
      if (step.as && known === undefined) throw new StepSkipped(`${step.client}'s name cannot be known: it is not told it, and the server's log does not show it`)
      if (step.as && known !== step.as) throw new StepFailed(`${step.client} got another name`, step.as, String(known))
      return `${first.client ?? (known ? `${known} (compatible mode; the name from the server's log)` : 'compatible mode')} from ${first.address}:${first.port}`
    }
    if (first.type === 'rejected') {
      say(ctx, { from: 'server', to: step.client, text: first.message })
      if (step.expect !== 'rejected') throw new StepFailed(`${step.client} was rejected`, 'admitted', first.message)
      return `rejected from ${first.address}:${first.port}`
    }
    throw new StepFailed(`${step.client} could not connect`, step.expect, describeOutput(first))
  },
}

declare module './step.js' {
  interface StepTypes {
    connect: ConnectStep
  }
}
