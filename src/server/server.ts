import { createServer, type Server } from 'node:net'
import type { Writable } from 'node:stream'
import { resolveServerOptions, type ServerOptions } from '../config/server-options.js'
import { SocklabError } from '../errors/socklab-error.js'
import { createEventLog, type LogFormat } from '../events/event-log.js'
import { ClientConnection } from './client-connection.js'
import { ClientRegistry } from './client-registry.js'
import type { ConnectionContext } from './connection-context.js'
import { FileStore } from './file-store.js'
import { startHealthEndpoint } from './health-endpoint.js'
import { connectionsAllowedByFileLimit } from './open-file-limit.js'
import { peerAddress } from './peer-address.js'
import { RejectedConnections } from './reject-connection.js'

export interface ServerIo {
  /** Where log lines go (default: standard output). */
  logStream?: Writable
}

export interface StartedServer extends AsyncDisposable {
  readonly options: Readonly<ServerOptions>
  /** The port actually bound (useful with `port: 0`). */
  readonly port: number
  readonly registry: ClientRegistry
  /** Stops accepting, closes every client (framed clients are told why) and resolves when all are gone. */
  stop(signal?: string): Promise<void>
}

export async function startServer(input: Partial<ServerOptions> = {}, io: ServerIo = {}): Promise<StartedServer> {
  const options = resolveServerOptions(input)
  const format: LogFormat =
    options.logFormat === 'auto' ? (io.logStream === undefined && process.stdout.isTTY ? 'pretty' : 'json') : (options.logFormat as LogFormat)
  const ctx: ConnectionContext = {
    options,
    registry: new ClientRegistry({ maxClients: options.maxClients, historyLength: options.statusHistory }),
    store: await FileStore.open(options.files),
    log: createEventLog({ format, stream: io.logStream }),
  }
  const connections = new Set<ClientConnection>()
  const rejected = new RejectedConnections(options.rejectLingerMs)
  let stopping: Promise<void> | undefined

  // No `noDelay` here: admitted clients get it in ClientConnection, rejected ones need no setsockopt.
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    const peer = peerAddress(socket)
    if (stopping || !peer) {
      socket.destroy()
      return
    }
    const record = ctx.registry.admit(peer.address, peer.port)
    if (!record) {
      // A literal of fixed shape: a flood of rejections is the server's hottest path while full.
      ctx.log.emit('client_rejected', { address: peer.address, port: peer.port, connected: ctx.registry.size, maxClients: options.maxClients })
      rejected.reject(socket)
      return
    }
    ctx.log.emit('client_connected', {
      client: record.name,
      ...peer,
      connected: ctx.registry.size,
      maxClients: options.maxClients,
    })
    const connection = new ClientConnection(socket, record, ctx)
    connections.add(connection)
    void connection.closed.then(() => connections.delete(connection))
  })
  // Past this many open connections (rejected ones linger to read their last bytes) Node closes new ones
  // unanswered: none of them vanishes silently, they are counted and logged once a second.
  const maxConnections = options.maxConnections > 0 ? options.maxConnections : connectionsAllowedByFileLimit()
  server.maxConnections = maxConnections
  const drops = dropCounter((dropped) => ctx.log.emit('connections_dropped', { dropped, maxConnections }))
  server.on('drop', drops.count)

  const port = await listen(server, options.host, options.port)
  const health = options.healthSocket ? await startHealthEndpoint(options.healthSocket, ctx.registry, port) : undefined
  ctx.log.emit('listening', { host: options.host, port, maxClients: options.maxClients, files: ctx.store.root })

  const stop = (signal = 'stop'): Promise<void> => {
    stopping ??= (async () => {
      drops.flush()
      ctx.log.emit('shutdown', { signal, clients: ctx.registry.size })
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()))
      health?.close()
      rejected.destroyAll()
      for (const connection of connections) connection.shutdown()
      const everyoneGone = Promise.all([...connections].map((c) => c.closed))
      const grace = new Promise<void>((resolve) => setTimeout(resolve, options.shutdownGraceMs).unref())
      await Promise.race([everyoneGone, grace])
      for (const connection of connections) connection.destroy()
      await serverClosed
    })()
    return stopping
  }

  return {
    options,
    port,
    registry: ctx.registry,
    stop,
    [Symbol.asyncDispose]: () => stop('dispose'),
  }
}

/** Counts dropped connections and reports them at most once a second (a flood would otherwise flood the log). */
function dropCounter(report: (dropped: number) => void) {
  let dropped = 0
  let timer: NodeJS.Timeout | undefined
  const flush = () => {
    clearTimeout(timer)
    timer = undefined
    if (dropped > 0) report(dropped)
    dropped = 0
  }
  return {
    count: () => {
      dropped += 1
      timer ??= setTimeout(flush, 1_000).unref()
    },
    flush,
  }
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new SocklabError('SOCKLAB_LISTEN_FAILED', `cannot listen on ${host}:${port}: ${error.message}`, { cause: error })),
    )
    server.listen({ host, port }, () => {
      const address = server.address()
      resolve(typeof address === 'object' && address ? address.port : port)
    })
  })
}
