import { connect, createServer, type Socket } from 'node:net'
import { once } from 'node:events'
import { SocklabError } from '../errors/socklab-error.js'

export interface RelayOptions {
  /** Where the relay listens (port 0: any free port). */
  host: string
  port: number
  /** The server every connection is relayed to. */
  to: { host: string; port: number }
}

export interface StartedRelay extends AsyncDisposable {
  readonly port: number
  /** Connections relayed right now. */
  readonly connections: number
  /** Resets every relayed connection on both sides (RST to the client and to the server); returns how many. */
  reset(): number
  close(): Promise<void>
}

interface Pair {
  client: Socket
  upstream: Socket
}

/**
 * A TCP relay between clients and a server, as a network in the middle would be: bytes both ways with
 * backpressure, an end (FIN) passed on as an end and a reset passed on as a reset. `reset()` makes it
 * fail the way a broken network does, for fault scenarios; a relayed client's address, as the server sees
 * it, is the relay's.
 */
export async function startRelay(options: RelayOptions): Promise<StartedRelay> {
  const pairs = new Set<Pair>()
  const server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    const upstream = connect({ host: options.to.host, port: options.to.port, allowHalfOpen: true, noDelay: true })
    const pair = { client, upstream }
    pairs.add(pair)
    client.pipe(upstream)
    upstream.pipe(client)
    const onError = (other: Socket) => () => {
      // A reset on one side is a reset on the other; anything else ends both.
      if (!other.destroyed) other.resetAndDestroy()
    }
    client.on('error', onError(upstream))
    upstream.on('error', onError(client))
    const onClose = () => {
      pairs.delete(pair)
      if (client.destroyed && upstream.destroyed) return
      // Both halves closed cleanly on one side: let the other finish writing, then go.
      client.end()
      upstream.end()
    }
    client.on('close', onClose)
    upstream.on('close', onClose)
  })
  server.listen(options.port, options.host)
  try {
    await once(server, 'listening')
  } catch (error) {
    throw new SocklabError('SOCKLAB_LISTEN_FAILED', `the relay cannot listen on ${options.host}:${options.port}: ${(error as Error).message}`)
  }
  const close = async () => {
    for (const { client, upstream } of pairs) {
      client.destroy()
      upstream.destroy()
    }
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  return {
    port: (server.address() as { port: number }).port,
    get connections() {
      return pairs.size
    },
    reset() {
      const count = pairs.size
      for (const { client, upstream } of pairs) {
        client.resetAndDestroy()
        upstream.resetAndDestroy()
      }
      pairs.clear()
      return count
    },
    close,
    [Symbol.asyncDispose]: close,
  }
}
