import type { AgentOutput } from '../client/agent-protocol.js'
import { JsonLineReader, hasStringField } from '../events/json-lines.js'

/**
 * The output of one `socklab client --json` agent (or of another JSON-lines program such as `socklab relay`),
 * line by line, whether it runs as a process or in a container. `next()` hands over its messages in order;
 * lines that are not JSON messages are kept for the logs.
 */
export class AgentChannel<T extends { type: string } = AgentOutput> {
  readonly transcript: string[] = []
  readonly #reader = new JsonLineReader()
  #queue: T[] = []
  #ended = false
  #wake: Array<() => void> = []

  feed(text: string): void {
    for (const { line, value } of this.#reader.push(text)) {
      this.transcript.push(line)
      // A line that is not an agent message stays in the transcript only.
      if (hasStringField(value, 'type')) this.#queue.push(value as unknown as T)
    }
    this.#notify()
  }

  /** A message from an agent in this process (no line to parse); kept in the transcript as its JSON line. */
  deliver(message: T): void {
    this.transcript.push(JSON.stringify(message))
    this.#queue.push(message)
    this.#notify()
  }

  end(): void {
    this.#ended = true
    this.#notify()
  }

  get ended(): boolean {
    return this.#ended && this.#queue.length === 0
  }

  /** The next message; rejects when the agent ended without one, or when `signal` aborts. */
  next(signal: AbortSignal): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (this.#queue.length > 0) {
          resolve(this.#queue.shift()!)
          return true
        }
        if (this.#ended) {
          reject(new Error(`the client ended without answering (last output: ${this.transcript.at(-1) ?? 'none'})`))
          return true
        }
        if (signal.aborted) {
          reject(signal.reason)
          return true
        }
        return false
      }
      if (check()) return
      const waiter = () => {
        if (!check()) return
        this.#wake = this.#wake.filter((w) => w !== waiter)
        signal.removeEventListener('abort', waiter)
      }
      this.#wake.push(waiter)
      signal.addEventListener('abort', waiter, { once: true })
    })
  }

  #notify(): void {
    for (const wake of [...this.#wake]) wake()
  }
}
