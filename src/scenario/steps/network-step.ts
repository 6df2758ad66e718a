import { NETWORK_ACTIONS, type NetworkAction, type StepBase } from '../scenario.js'
import { connected, say, StepFailed, StepSkipped } from './step-context.js'
import { ref, stepMap } from './step-schema.js'
import { STEP_OPTIONS, type StepKind } from './step-kind.js'

export interface NetworkStep extends StepBase {
  kind: 'network'
  client: string
  action: NetworkAction
}

/** `network: { client: a, action: cut | restore | reset }`: the client's link to the server. */
export const networkStep: StepKind<NetworkStep> = {
  kind: 'network',
  setsStage: true,
  schema: stepMap({ client: ref('client'), action: { enum: [...NETWORK_ACTIONS] } }, ['client', 'action']),
  parse(body, { base, client }) {
    const e = body.entries(['client', 'action', ...STEP_OPTIONS])
    return [
      {
        ...base,
        kind: 'network',
        client: client(e.get('client') ?? body.fail('a `client`')),
        action: (e.get('action') ?? body.fail('an `action`: cut, restore or reset')).oneOf(NETWORK_ACTIONS),
      },
    ]
  },
  label: (step) => `network ${step.action} ${step.client}`,
  async run(step, ctx) {
    const { agent } = connected(ctx, step.client)
    if (step.action === 'reset') {
      say(ctx, { from: step.client, to: 'server', text: 'RST both ways (network reset)' })
      const count = await ctx.run.links.of(agent).reset()
      if (count === 0) throw new StepFailed(`${step.client} had no connection to reset`, '1 connection reset', '0')
      return `${count} connection${count === 1 ? '' : 's'} reset`
    }
    const control = ctx.run.network
    if (!control) throw new StepSkipped('clients on this target share the host network: it cannot be cut')
    say(ctx, { from: step.client, to: 'server', text: step.action === 'cut' ? 'network cut' : 'network restored' })
    await (step.action === 'cut' ? control.cut(agent) : control.restore(agent))
  },
}

declare module './step.js' {
  interface StepTypes {
    network: NetworkStep
  }
}
