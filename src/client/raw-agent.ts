import type { Socket } from 'node:net'
import type { ClientOptions } from '../config/client-options.js'
import { SocklabError } from '../errors/socklab-error.js'
import type { AgentInput, AgentOutput } from './agent-protocol.js'
import { connectSocket } from './connect-socket.js'
import { connectTrying } from './open-session.js'

/** How an agent in raw mode ended. */
export type RawOutcome = { kind: 'done'; failedGets: 0 } | { kind: 'failed'; error: SocklabError; failedGets: 0 }

/**
 * `socklab client --json --mode raw`: a plain TCP connection to any server, no protocol of its own. Input
 * `{"send": base64}` writes those bytes; `{"close": "end"|"reset"}` (or `{"command": "exit"}`, or the end of
 * input) closes it. Output: `connected`, then every chunk the server sends as `data` (base64), as it comes,
 * and `closed` with `how`: the server's FIN, its RST, or this side. Whether the server admitted it is for the
 * program driving it to judge (a refusal is whatever that server does: a line, a close).
 */
export async function serveRaw(options: Readonly<ClientOptions>, nextInput: () => Promise<AgentInput | undefined>, emit: (message: AgentOutput) => void): Promise<RawOutcome> {
  let socket: Socket
  try {
    socket = await connectRetrying(options)
  } catch (error) {
    if (!(error instanceof SocklabError)) throw error
    emit({ type: 'failed', code: error.code, message: error.message })
    return { kind: 'failed', error, failedGets: 0 }
  }
  emit({ type: 'connected', mode: 'raw', address: (socket.localAddress ?? '').replace(/^::ffff:/, ''), port: socket.localPort ?? 0 })
  let how: 'fin' | 'rst' | 'local' | undefined
  let reason = ''
  socket.on('data', (chunk: Buffer) => emit({ type: 'data', data: chunk.toString('base64') }))
  socket.on('end', () => {
    how ??= 'fin'
    reason ||= 'the server closed the connection (FIN)'
  })
  socket.on('error', (error: NodeJS.ErrnoException) => {
    how ??= error.code === 'ECONNRESET' ? 'rst' : 'local'
    reason ||= error.code === 'ECONNRESET' ? 'the server reset the connection (RST)' : error.message
  })
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  const ended = closed.then(() => undefined)
  for (;;) {
    const input = await Promise.race([nextInput(), ended])
    if (socket.destroyed || socket.closed) break
    if (!input || ('command' in input && input.command === 'exit')) {
      how ??= 'local'
      reason ||= 'closed by this client (FIN)'
      socket.end()
      break
    }
    if ('close' in input) {
      how ??= 'local'
      reason ||= input.close === 'end' ? 'closed by this client (FIN)' : 'reset by this client (RST)'
      if (input.close === 'end') socket.end()
      else socket.resetAndDestroy()
      break
    }
    if ('send' in input) socket.write(Buffer.from(input.send, 'base64'))
  }
  await closed
  emit({ type: 'closed', reason: reason || 'the connection ended', how: how ?? 'local' })
  return { kind: 'done', failedGets: 0 }
}

/** Connects, waiting for a server that is not up yet (--wait-for-server-ms) and trying again (--retry). */
export function connectRetrying(options: Readonly<ClientOptions>): Promise<Socket> {
  return connectTrying(options, () => connectSocket(options.host, options.port, options.connectTimeoutMs))
}
