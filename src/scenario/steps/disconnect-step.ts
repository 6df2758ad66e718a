import { DISCONNECT_HOWS, type DisconnectHow, type StepBase } from '../scenario.js'
import { stopAgent } from './agents.js'
import { disconnectGroup, groupLabel, groupTimeout, type DisconnectGroup } from './client-group.js'
import { disconnectHow, ref, stepMap } from './step-schema.js'
import { STEP_OPTIONS, type StepKind } from './step-kind.js'

export interface DisconnectOne extends StepBase {
  kind: 'disconnect'
  client: string
  how: DisconnectHow
}

export type DisconnectStep = DisconnectOne | DisconnectGroup

/** `disconnect: a` (by `exit`), `disconnect: { client: a, how: exit | close | reset | kill }`, or `{ group: crowd, how: … }`. */
export const disconnectStep: StepKind<DisconnectStep> = {
  kind: 'disconnect',
  schema: {
    anyOf: [ref('client'), stepMap({ client: ref('client'), how: disconnectHow }, ['client']), stepMap({ group: ref('group'), how: disconnectHow }, ['group'])],
  },
  parse(body, scope) {
    const { base, client, group } = scope
    // A text or byte client has no `exit` of socklab's protocol: it leaves by closing its connection.
    const leaves = (name: string): DisconnectHow => (scope.refs.protocols.get(name) === 'socklab' ? 'exit' : 'close')
    if (!body.isMap()) {
      const name = client(body)
      return [{ ...base, kind: 'disconnect', client: name, how: leaves(name) }]
    }
    const e = body.entries(['client', 'group', 'how', ...STEP_OPTIONS])
    const groupCursor = e.get('group')
    const target = groupCursor ? group(groupCursor) : undefined
    if (target && e.has('client')) e.get('client')!.fail('a `client` or a `group`, not both')
    const name = target ? target.members[0]! : client(e.get('client') ?? body.fail('a `client` or a `group`'))
    const how = e.get('how')?.oneOf(DISCONNECT_HOWS) ?? leaves(name)
    if (how === 'exit' && leaves(name) === 'close') e.get('how')!.fail(`close, reset or kill: ${name} is a ${scope.refs.protocols.get(name)} client, and \`exit\` is a command of socklab's protocol (send it as text if the server has one)`)
    if (target) return [{ ...base, ...groupTimeout(scope, target.members.length), kind: 'disconnect', ...target, how }]
    return [{ ...base, kind: 'disconnect', client: name, how }]
  },
  label: (step) => `disconnect ${'group' in step ? groupLabel(step) : step.client} (${step.how})`,
  async run(step, ctx, { signal }) {
    if ('group' in step) return disconnectGroup(step, ctx, signal)
    await stopAgent(ctx, step.client, step.how, signal)
  },
}

declare module './step.js' {
  interface StepTypes {
    disconnect: DisconnectStep
  }
}
