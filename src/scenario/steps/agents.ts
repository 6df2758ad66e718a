import { setTimeout as delay } from 'node:timers/promises'
import type { AgentOutput } from '../../client/agent-protocol.js'
import { describeLink } from '../../relay/link-spec.js'
import type { DisconnectHow } from '../scenario.js'
import { outsideStepTime } from '../step-clock.js'
import { WireStream } from '../wire-stream.js'
import { connected, PREVIOUS_EXIT_MS, say, StepFailed, TargetUnavailable, type StepContext } from './step-context.js'

/**
 * Starts a client's agent (a fresh process or container per connection) and returns its first word:
 * connected (the agent is then the client's, and its facts known), rejected (it has exited), or a failure.
 */
export async function startAgent(ctx: StepContext, name: string, signal: AbortSignal): Promise<AgentOutput> {
  // A client whose agent has ended (its server went away, say) may connect again; one whose connection
  // just ended may still be on its way out, so give it a moment to exit.
  const previous = ctx.agents.get(name)?.agent
  if (previous?.running) {
    const gone = await Promise.race([previous.exited.then(() => true), delay(PREVIOUS_EXIT_MS, false, { ref: false })])
    if (!gone) throw new StepFailed(`${name} is already connected`)
  }
  const declared = ctx.scenario.clients.find((c) => c.name === name)!
  const index = (ctx.connections.get(name) ?? 0) + 1
  ctx.connections.set(name, index)
  // A connection starts with the link as a `link` step last left it (or as the client was declared).
  const link = ctx.links.get(name) ?? declared.link
  // Tracked until its first word is known and entered in the ledger: console events are checked against it.
  const { agent, first } = await ctx.wire.track(
    (async () => {
      // The client's container waiting for its turn and starting is socklab's setup, not the server's time.
      const agent = await outsideStepTime(signal, ctx.run.startClient({ ...declared, link }, index))
      if (link && index === 1) say(ctx, { from: name, to: name, text: `link: ${describeLink(link)}` })
      const first = await agent.channel.next(signal)
      if (first.type === 'connected' || first.type === 'rejected') {
        ctx.wire.connections.push({ client: name, address: first.address, port: first.port, outcome: first.type === 'connected' ? 'admitted' : 'rejected', relayed: declared.relay })
      } else if (first.type === 'failed') ctx.wire.unaddressed += 1
      return { agent, first }
    })(),
  )
  if (first.type === 'connected' && first.mode === 'raw') {
    // A text or byte client: no name of socklab's; what the server sends is kept for the steps to read.
    ctx.facts.set(name, { address: first.address, port: first.port })
    ctx.agents.set(name, { agent, mode: 'raw', wire: new WireStream(agent.channel, declared.maxReceive) })
  } else if (first.type === 'connected') {
    const given = first.client ?? (declared.relay ? undefined : await nameFromLog(ctx, first.address, first.port, signal))
    ctx.facts.set(name, { address: first.address, port: first.port, name: given })
    ctx.agents.set(name, { agent, mode: first.mode })
  } else if (first.type === 'rejected') {
    ctx.facts.set(name, { address: first.address, port: first.port })
    await agent.exited
  } else if (first.type === 'failed' && first.code === 'SOCKLAB_CONNECT_FAILED' && ctx.targetKind === 'remote') {
    throw new TargetUnavailable(`the server cannot be reached: ${first.message}`)
  }
  return first
}

/** How long a client's name is looked for in the server's log after it connected. */
const NAME_FROM_LOG_MS = 2_000

/**
 * The name the server gave a client that was not told it (the original protocol says nothing of names):
 * its `client_connected` event for the client's own address and port, where the server's log shows one.
 */
async function nameFromLog(ctx: StepContext, address: string, port: number, signal: AbortSignal): Promise<string | undefined> {
  const events = ctx.run.events
  if (!events || ctx.run.adapter?.cannotSee('client_connected', ['client', 'address', 'port'])) return undefined
  // Bounded: a client that was turned away without knowing it (compatible mode) has no such event.
  const within = AbortSignal.any([signal, AbortSignal.timeout(NAME_FROM_LOG_MS)])
  const event = await events.waitFor('client_connected', (e) => e.address === address && e.port === port, 1, within).catch(() => undefined)
  return event?.client
}

/** What each way of leaving puts on the wire, for the diagram. */
export const WIRE = { exit: 'exit', close: 'FIN (end of stream)', reset: 'RST (TCP reset)', kill: 'killed (SIGKILL)' } as const

/** Ends a connected client's connection `how`, and waits for its agent to be gone. `quiet`: no arrow in the diagram. */
export async function stopAgent(ctx: StepContext, name: string, how: DisconnectHow, signal: AbortSignal, quiet = false): Promise<void> {
  const { agent } = connected(ctx, name)
  ctx.agents.delete(name)
  if (!quiet) say(ctx, { from: name, to: 'server', text: WIRE[how] })
  if (how === 'kill') return void (await agent.kill())
  if (how === 'exit') agent.write({ command: 'exit' })
  else agent.write({ close: how === 'close' ? 'end' : 'reset' })
  await Promise.race([
    agent.exited,
    new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })),
  ])
}
