import { connect, type Socket } from 'node:net'

/**
 * A bare TCP peer for speaking like the original client, netcat or an attacker. Reads are collected and
 * `until()` resolves as soon as the collected bytes satisfy a condition, or when the server closes.
 */
export class RawClient {
  readonly socket: Socket
  #received = Buffer.alloc(0)
  #ended = false
  #error?: Error
  #waiters = new Set<() => void>()

  private constructor(socket: Socket) {
    this.socket = socket
    socket.on('data', (chunk: Buffer) => {
      this.#received = Buffer.concat([this.#received, chunk])
      this.#wake()
    })
    socket.on('error', (error) => {
      this.#error = error
    })
    socket.on('close', () => {
      this.#ended = true
      this.#wake()
    })
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host, noDelay: true })
      socket.once('connect', () => resolve(new RawClient(socket)))
      socket.once('error', reject)
    })
  }

  get received(): Buffer {
    return this.#received
  }

  get ended(): boolean {
    return this.#ended
  }

  get error(): Error | undefined {
    return this.#error
  }

  send(data: string | Buffer): void {
    this.socket.write(data)
  }

  /** Waits until the received bytes satisfy `done`, or the connection closes; then takes them. */
  until(done: (received: Buffer) => boolean): Promise<Buffer> {
    return new Promise((resolve) => {
      const check = () => {
        if (!done(this.#received) && !this.#ended) return
        this.#waiters.delete(check)
        const out = this.#received
        this.#received = Buffer.alloc(0)
        resolve(out)
      }
      this.#waiters.add(check)
      check()
    })
  }

  /** Waits for exactly `expected` (or the close), and returns what came. */
  async reply(expected: string | Buffer): Promise<string> {
    const want = Buffer.isBuffer(expected) ? expected : Buffer.from(expected)
    return (await this.until((r) => r.length >= want.length)).toString('utf8')
  }

  closed(): Promise<void> {
    return new Promise((resolve) => (this.#ended ? resolve() : this.socket.once('close', () => resolve())))
  }

  #wake(): void {
    for (const wake of [...this.#waiters]) wake()
  }
}
