import type { Socket } from 'node:net'
import type { SocklabError } from '../errors/socklab-error.js'
import { settle, type Reply, type Settleable } from './reply.js'

/**
 * What both session kinds share: the socket, why it closed, the one command in flight and its timer, and
 * the ways out. Subclasses decode replies for their mode.
 */
export abstract class SocketSession<P extends Settleable> {
  readonly closed: Promise<string>
  protected readonly socket: Socket
  protected pending?: P
  protected timer?: NodeJS.Timeout
  protected closeReason = 'the server closed the connection'
  #failure?: SocklabError

  protected constructor(socket: Socket) {
    this.socket = socket
    this.closed = new Promise((resolve) => socket.once('close', () => resolve(this.closeReason)))
    socket.on('error', (error: Error) => {
      this.closeReason = `connection lost: ${error.message}`
    })
  }

  /** Closes without a word: `end` sends FIN (end of stream), `reset` sends RST (a TCP reset). */
  abandon(how: 'end' | 'reset'): void {
    this.closeReason = how === 'reset' ? 'reset by this client' : 'closed by this client'
    if (how === 'reset') this.socket.resetAndDestroy()
    else this.socket.end()
  }

  close(): void {
    this.socket.destroy()
  }

  /** Why this client ended the connection itself (a protocol error, a lying server), if it did. */
  get failure(): SocklabError | undefined {
    return this.#failure
  }

  /**
   * The server cannot be trusted any more: the command in flight (if any) ends with `error`, and so does the
   * connection, whose later end reports the same error.
   */
  protected fail(error: SocklabError): void {
    this.#failure ??= error
    this.closeReason = error.message
    this.settle(error)
    this.socket.destroy()
  }

  /** Ends the command in flight, once, with a reply or a coded error. */
  protected settle(outcome: Reply | SocklabError): void {
    const pending = this.pending
    if (!pending) return
    this.pending = undefined
    clearTimeout(this.timer)
    void settle(pending, outcome)
  }
}
