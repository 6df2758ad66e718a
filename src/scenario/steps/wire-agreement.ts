import type { LoggedEvent } from '../../events/event-stream.js'
import type { ServerEventName } from '../../events/server-event.js'
import type { StepContext } from './step-context.js'

/** The console events that state a fact the wire shows too: who got in, who was turned away, and that an admitted client left. */
const WIRE_FACTS: ReadonlySet<ServerEventName> = new Set(['client_connected', 'client_rejected', 'client_disconnected'])

/**
 * Whether the server's console agrees with the wire about `events`: a `client_connected` or
 * `client_rejected` must be a connection socklab's clients made, admitted or turned away as its own line
 * says; a `client_disconnected`, a connection it admitted. A submission that prints `Client01 connected
 * from …` on cue, without admitting anyone, earns nothing from it. (When a disconnection happened is not
 * compared: a server may print it just before it closes, the seed among them.) Undefined when they agree, or where the wire cannot tell (the event has no address, or
 * a relayed client or one that failed at once may be the one).
 */
export async function wireDisagreement(ctx: Pick<StepContext, 'wire'>, events: readonly LoggedEvent[], signal: AbortSignal): Promise<string | undefined> {
  for (const event of events) {
    if (!WIRE_FACTS.has(event.event)) continue
    const { address, port } = event as { address?: unknown; port?: unknown }
    if (typeof address !== 'string' || typeof port !== 'number') continue
    const find = () => ctx.wire.connections.find((c) => c.address === address && c.port === port)
    // The server may log a connection before its client has said it is in.
    if (!find()) await ctx.wire.settled(signal)
    const seen = find()
    const where = `${address}:${port}`
    if (!seen) {
      if (ctx.wire.unaddressed > 0 || ctx.wire.connections.some((c) => c.relayed)) continue
      return `the log claims a connection that did not happen: ${event.event} from ${where}, and no client connected from there`
    }
    if (event.event === 'client_disconnected' && seen.outcome === 'rejected') return `the log claims ${seen.client} (${where}) disconnected after being admitted, but on the wire it was turned away`
    if (event.event === 'client_connected' && seen.outcome === 'rejected') return `the log claims ${seen.client} (${where}) was admitted, but on the wire it was turned away`
    if (event.event === 'client_rejected' && seen.outcome === 'admitted') return `the log claims ${seen.client} (${where}) was turned away, but on the wire it was admitted`
  }
  return undefined
}
