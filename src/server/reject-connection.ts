import type { Socket } from 'node:net'
import { SERVER_FULL } from '../protocol/original-text.js'

/**
 * Tells a client the server is full, exactly as the original did, then closes. The socket keeps reading
 * (and discarding) until the client closes or `lingerMs` passes: closing with unread bytes would send a
 * reset, and a reset can make the client lose the message before it reads it.
 */
const FULL = Buffer.from(SERVER_FULL, 'utf8')
const destroyOnError = function (this: Socket) {
  this.destroy()
}

export function rejectConnection(socket: Socket, lingerMs: number): void {
  socket.on('error', destroyOnError)
  socket.end(FULL)
  socket.resume()
  const timer = setTimeout(() => socket.destroy(), lingerMs)
  timer.unref()
  socket.once('close', () => clearTimeout(timer))
}
