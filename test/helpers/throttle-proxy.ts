import { connect, createServer, type Socket } from 'node:net'

export interface ThrottleProxy extends AsyncDisposable {
  port: number
  /** Bytes passed from the server to clients so far. */
  readonly forwarded: number
  /** Resolves once at least `bytes` have been passed to clients. */
  passed(bytes: number): Promise<void>
}

/**
 * A TCP proxy that passes the server's bytes to the client at about `bytesPerSecond` (a slow link made with
 * real sockets), so a test can act while most of a file is still unsent and measure how much was.
 */
export async function startThrottleProxy(target: number, bytesPerSecond: number): Promise<ThrottleProxy> {
  let forwarded = 0
  const waiters = new Set<() => void>()
  const sockets = new Set<Socket>()
  const tickMs = 10
  const perTick = Math.max(1, Math.round((bytesPerSecond * tickMs) / 1000))
  const server = createServer((client) => {
    const upstream = connect({ port: target, host: '127.0.0.1' })
    sockets.add(client).add(upstream)
    client.pipe(upstream)
    let queue: Buffer[] = []
    upstream.on('data', (chunk: Buffer) => {
      queue.push(chunk)
      if (queue.length > 4) upstream.pause()
    })
    const timer = setInterval(() => {
      let budget = perTick
      while (budget > 0 && queue.length > 0) {
        const head = queue[0]!
        const piece = head.subarray(0, budget)
        if (piece.length === head.length) queue.shift()
        else queue[0] = head.subarray(piece.length)
        budget -= piece.length
        forwarded += piece.length
        client.write(piece)
      }
      if (queue.length <= 4) upstream.resume()
      for (const wake of [...waiters]) wake()
    }, tickMs)
    const end = () => {
      clearInterval(timer)
      queue = []
      client.destroy()
      upstream.destroy()
    }
    client.on('close', end).on('error', end)
    upstream.on('close', end).on('error', end)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as { port: number }).port,
    get forwarded() {
      return forwarded
    },
    passed: (bytes) =>
      new Promise((resolve) => {
        const check = () => {
          if (forwarded < bytes) return
          waiters.delete(check)
          resolve()
        }
        waiters.add(check)
        check()
      }),
    async [Symbol.asyncDispose]() {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
