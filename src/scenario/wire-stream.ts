import { setMaxListeners } from 'node:events'
import type { AgentOutput } from '../client/agent-protocol.js'
import type { AgentChannel } from './agent-channel.js'

/** How a text or byte client's connection ended: the server's FIN or RST, this side, or the client agent lost. */
export interface WireClosed {
  how: 'fin' | 'rst' | 'local' | 'lost'
  reason: string
}

/** What a read takes from the unread bytes: a value, and how many bytes it used. */
export type WireTake<T> = { value: T; consumed: number } | undefined

/** The pumps' signal: they read until their agent ends (one listener per client waiting on it at a time). */
const NEVER = new AbortController().signal
setMaxListeners(0, NEVER)

/**
 * What a text or byte client (`protocol: text | bytes`) has received: every byte its agent reported, in
 * order, until steps read them. Steps read by waiting until the unread bytes hold what they look for (a
 * line, a length, a match); bytes split over many segments are matched whole. Unread bytes beyond
 * `limit` end the stream: a server that sends without end cannot fill the runner's memory.
 */
export class WireStream {
  #pending: Buffer = Buffer.alloc(0)
  #closed: WireClosed | undefined
  #wake = new Set<() => void>()
  /** Every byte received, read or not. */
  received = 0

  constructor(
    channel: AgentChannel<AgentOutput>,
    readonly limit: number,
  ) {
    void this.#pump(channel)
  }

  /** The bytes no step has read yet. */
  get pending(): Buffer {
    return this.#pending
  }

  get closed(): WireClosed | undefined {
    return this.#closed
  }

  /**
   * Waits until `take` finds what it looks for in the unread bytes (it is asked again at each arrival, and
   * once the connection has closed), removes what it used and returns its value. Rejects with the signal's
   * reason when it aborts first.
   */
  read<T>(take: (pending: Buffer, closed: WireClosed | undefined) => WireTake<T>, signal: AbortSignal): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const taken = take(this.#pending, this.#closed)
        if (taken) {
          this.#pending = this.#pending.subarray(taken.consumed)
          resolve(taken.value)
          return true
        }
        if (signal.aborted) {
          reject(signal.reason)
          return true
        }
        return false
      }
      if (check()) return
      const wake = () => {
        if (!check()) return
        this.#wake.delete(wake)
        signal.removeEventListener('abort', wake)
      }
      this.#wake.add(wake)
      signal.addEventListener('abort', wake, { once: true })
    })
  }

  async #pump(channel: AgentChannel<AgentOutput>): Promise<void> {
    for (;;) {
      let out: AgentOutput
      try {
        out = await channel.next(NEVER)
      } catch (error) {
        this.#closed ??= { how: 'lost', reason: (error as Error).message }
        break
      }
      if (out.type === 'data') {
        const chunk = Buffer.from(out.data, 'base64')
        this.received += chunk.length
        this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk])
        if (this.#pending.length > this.limit) {
          this.#closed = { how: 'lost', reason: `more than ${this.limit} bytes came unread (the client's maxReceive)` }
          this.#notify()
          break
        }
      } else if (out.type === 'closed') {
        this.#closed = { how: out.how ?? 'local', reason: out.reason }
        this.#notify()
        break
      } else if (out.type === 'failed' || out.type === 'error') {
        this.#closed = { how: 'lost', reason: `${out.code}: ${out.message}` }
        this.#notify()
        break
      }
      this.#notify()
    }
    this.#notify()
  }

  #notify(): void {
    for (const wake of [...this.#wake]) wake()
  }
}
