import { DISCONNECT_HOWS, type DisconnectHow, type StepBase } from '../scenario.js'
import { connected, say } from './step-context.js'
import { STEP_OPTIONS, type StepKind } from './step-kind.js'

export interface DisconnectStep extends StepBase {
  kind: 'disconnect'
  client: string
  how: DisconnectHow
}

const WIRE = { exit: 'exit', close: 'FIN (end of stream)', reset: 'RST (TCP reset)', kill: 'killed (SIGKILL)' } as const

/** `disconnect: a` (by `exit`) or `disconnect: { client: a, how: exit | close | reset | kill }`. */
export const disconnectStep: StepKind<DisconnectStep> = {
  kind: 'disconnect',
  parse(body, { base, client }) {
    if (!body.isMap()) return [{ ...base, kind: 'disconnect', client: client(body), how: 'exit' }]
    const e = body.entries(['client', 'how', ...STEP_OPTIONS])
    return [{ ...base, kind: 'disconnect', client: client(e.get('client') ?? body.fail('a `client`')), how: e.get('how')?.oneOf(DISCONNECT_HOWS) ?? 'exit' }]
  },
  label: (step) => `disconnect ${step.client} (${step.how})`,
  async run(step, ctx, { signal }) {
    const { agent } = connected(ctx, step.client)
    ctx.agents.delete(step.client)
    say(ctx, { from: step.client, to: 'server', text: WIRE[step.how] })
    if (step.how === 'kill') return void (await agent.kill())
    if (step.how === 'exit') agent.write({ command: 'exit' })
    else agent.write({ close: step.how === 'close' ? 'end' : 'reset' })
    await Promise.race([
      agent.exited,
      new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })),
    ])
  },
}
