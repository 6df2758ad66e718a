import type { Socket } from 'node:net'
import { SERVER_FULL } from '../protocol/original-text.js'

const FULL = Buffer.from(SERVER_FULL, 'utf8')

/**
 * Connections turned away: each is told the server is full, exactly as the original did, and closed. A
 * socket keeps reading (and discarding) until its client closes or `lingerMs` passes: closing with unread
 * bytes would send a reset, and a reset can make the client lose the message before it reads it.
 *
 * A flood of rejections is the hottest path of a full server, so the work per socket is kept to the
 * message, the close and one entry in a set: one timer sweeps every lingering socket (in arrival order,
 * so the sweep stops at the first that may still linger), rather than a timer per socket.
 */
export class RejectedConnections {
  readonly #lingerMs: number
  /** Sockets still open, each with the time it must be gone by; insertion order is deadline order. */
  readonly #lingering = new Map<Socket, number>()
  #sweep?: NodeJS.Timeout

  constructor(lingerMs: number) {
    this.#lingerMs = lingerMs
  }

  reject(socket: Socket): void {
    socket.on('error', destroyOnError)
    socket.once('close', () => this.#lingering.delete(socket))
    socket.end(FULL)
    socket.resume()
    this.#lingering.set(socket, performance.now() + this.#lingerMs)
    this.#sweep ??= setTimeout(() => this.#sweepExpired(), this.#lingerMs).unref()
  }

  /** Server shutdown: every lingering socket goes at once. */
  destroyAll(): void {
    for (const socket of this.#lingering.keys()) socket.destroy()
    clearTimeout(this.#sweep)
  }

  #sweepExpired(): void {
    this.#sweep = undefined
    const now = performance.now()
    for (const [socket, deadline] of this.#lingering) {
      if (deadline > now) {
        this.#sweep = setTimeout(() => this.#sweepExpired(), deadline - now + 1).unref()
        return
      }
      this.#lingering.delete(socket)
      socket.destroy()
    }
  }
}

function destroyOnError(this: Socket): void {
  this.destroy()
}
