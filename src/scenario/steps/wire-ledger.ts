/** One connection as socklab's client saw it on the wire: where it came from, and whether it got in. */
export interface WireConnection {
  client: string
  address: string
  port: number
  outcome: 'admitted' | 'rejected'
  /** Through a relay of its own: the server sees the relay's address, not the client's. */
  relayed: boolean
}

/** Every connection of a run as the wire showed it, and those still being made. */
export class WireLedger {
  readonly connections: WireConnection[] = []
  /** Connections that failed before their client knew its own address (a reset at once): any event may be one of them. */
  unaddressed = 0
  readonly #pending = new Set<Promise<unknown>>()

  /** A connection under way: it is entered when its first word is known. */
  track<T>(attempt: Promise<T>): Promise<T> {
    this.#pending.add(attempt)
    void attempt.finally(() => this.#pending.delete(attempt)).catch(() => undefined)
    return attempt
  }

  /** Resolves once the connections under way now have been entered (their client answered), or `signal` aborts. */
  async settled(signal: AbortSignal): Promise<void> {
    if (this.#pending.size === 0) return
    await Promise.race([
      Promise.allSettled([...this.#pending]),
      new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true })),
    ])
  }
}
