import { connect, createServer, type Server, type Socket } from 'node:net'

export interface ResetProxy extends AsyncDisposable {
  port: number
  /** Resolves once a connection has been reset. */
  reset: Promise<void>
}

/**
 * A TCP proxy in front of a server that resets the client's connection (RST, as a failing network would)
 * once `afterBytes` bytes have gone from the server to the client.
 */
export async function resetProxy(targetPort: number, afterBytes: number): Promise<ResetProxy> {
  const sockets = new Set<Socket>()
  let markReset!: () => void
  const reset = new Promise<void>((resolve) => (markReset = resolve))
  const server: Server = createServer((client) => {
    const upstream = connect({ port: targetPort, host: '127.0.0.1' })
    sockets.add(client).add(upstream)
    let forwarded = 0
    client.on('data', (chunk) => upstream.write(chunk))
    upstream.on('data', (chunk: Buffer) => {
      if (forwarded + chunk.length >= afterBytes) {
        client.write(chunk.subarray(0, afterBytes - forwarded))
        client.resetAndDestroy()
        upstream.destroy()
        markReset()
        return
      }
      forwarded += chunk.length
      client.write(chunk)
    })
    for (const socket of [client, upstream]) {
      socket.on('error', () => undefined)
      socket.on('close', () => {
        client.destroy()
        upstream.destroy()
      })
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as { port: number }).port,
    reset,
    async [Symbol.asyncDispose]() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
