import { connect, type Socket } from 'node:net'
import { SocklabError } from '../errors/socklab-error.js'
import { loopbackHint } from './container-hint.js'

export function connectSocket(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true })
    const fail = (reason: string) => {
      socket.destroy()
      reject(new SocklabError('SOCKLAB_CONNECT_FAILED', reason))
    }
    // The timer's turn comes before the I/O poll's: a process that was not scheduled for a while (fifty clients
    // starting on two cores) would time out a connection the kernel made meanwhile. So the poll is let run
    // once more (setImmediate comes after it) before the connection is given up.
    const timer = setTimeout(
      () => setImmediate(() => socket.connecting && fail(`timed out after ${timeoutMs} ms connecting to ${host}:${port}${loopbackHint(host)}`)),
      timeoutMs,
    )
    socket.once('error', (error) => {
      clearTimeout(timer)
      fail(`${error.message}${loopbackHint(host)}`)
    })
    socket.once('connect', () => {
      clearTimeout(timer)
      socket.removeAllListeners('error')
      resolve(socket)
    })
  })
}
