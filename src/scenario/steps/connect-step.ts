import { setTimeout as delay } from 'node:timers/promises'
import type { StepBase } from '../scenario.js'
import { describeOutput } from './replies.js'
import { PREVIOUS_EXIT_MS, say, StepFailed, TargetUnavailable } from './step-context.js'
import { STEP_OPTIONS, type StepKind } from './step-kind.js'

export interface ConnectStep extends StepBase {
  kind: 'connect'
  client: string
  expect: 'admitted' | 'rejected'
  /** The name the server must give it (`Client01`). */
  as?: string
}

/** `connect: a`, `connect: [a, b]` or `connect: { client: a, expect: rejected, as: Client04 }`. */
export const connectStep: StepKind<ConnectStep> = {
  kind: 'connect',
  parse(body, { base, client }) {
    if (body.isSeq()) return body.items().map((item) => ({ ...base, kind: 'connect', client: client(item), expect: 'admitted' }))
    if (!body.isMap()) return [{ ...base, kind: 'connect', client: client(body), expect: 'admitted' }]
    const e = body.entries(['client', 'expect', 'as', ...STEP_OPTIONS])
    return [
      {
        ...base,
        kind: 'connect',
        client: client(e.get('client') ?? body.fail('a `client`')),
        expect: e.get('expect')?.oneOf(['admitted', 'rejected']) ?? 'admitted',
        as: e.get('as')?.string(),
      },
    ]
  },
  label: (step) => `connect ${step.client}${step.expect === 'rejected' ? ' (expect rejected)' : step.as ? ` as ${step.as}` : ''}`,
  async run(step, ctx, { signal }) {
    // A client whose agent has ended (its server went away, say) may connect again; one whose connection
    // just ended may still be on its way out, so give it a moment to exit.
    const previous = ctx.agents.get(step.client)?.agent
    if (previous?.running) {
      const gone = await Promise.race([previous.exited.then(() => true), delay(PREVIOUS_EXIT_MS, false, { ref: false })])
      if (!gone) throw new StepFailed(`${step.client} is already connected`)
    }
    const client = ctx.scenario.clients.find((c) => c.name === step.client)!
    const index = (ctx.connections.get(step.client) ?? 0) + 1
    ctx.connections.set(step.client, index)
    const agent = await ctx.run.startClient(client, index)
    const first = await agent.channel.next(signal)
    say(ctx, { from: step.client, to: 'server', text: 'connect' })
    if (first.type === 'connected') {
      ctx.facts.set(step.client, { address: first.address, port: first.port, name: first.client })
      ctx.agents.set(step.client, { agent, mode: first.mode })
      say(ctx, { from: 'server', to: step.client, text: first.client ? `welcome, ${first.client}` : 'connected (compatible mode)' })
      if (step.expect === 'rejected') throw new StepFailed(`${step.client} was admitted`, 'rejected', `admitted as ${first.client ?? '?'}`)
      if (step.as && first.client !== step.as) throw new StepFailed(`${step.client} got another name`, step.as, String(first.client))
      return `${first.client ?? 'compatible mode'} from ${first.address}:${first.port}`
    }
    if (first.type === 'rejected') {
      ctx.facts.set(step.client, { address: first.address, port: first.port })
      say(ctx, { from: 'server', to: step.client, text: first.message })
      await agent.exited
      if (step.expect !== 'rejected') throw new StepFailed(`${step.client} was rejected`, 'admitted', first.message)
      return `rejected from ${first.address}:${first.port}`
    }
    if (first.type === 'failed' && first.code === 'SOCKLAB_CONNECT_FAILED' && ctx.targetKind === 'remote') {
      throw new TargetUnavailable(`the server cannot be reached: ${first.message}`)
    }
    throw new StepFailed(`${step.client} could not connect`, step.expect, describeOutput(first))
  },
}
