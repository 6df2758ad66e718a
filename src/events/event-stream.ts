import { Writable } from 'node:stream'
import { JsonLineReader, hasStringField, type JsonLine } from './json-lines.js'
import type { ServerEventName, ServerEventPayloads } from './server-event.js'

export type LoggedEvent<E extends ServerEventName = ServerEventName> = ServerEventPayloads[E] & {
  /** The server's own fields (pino): level number and ISO time. */
  event: E
  msg: string
  level: number
}

type Match<E extends ServerEventName> = Partial<ServerEventPayloads[E]> | ((event: LoggedEvent<E>) => boolean)

const matches = <E extends ServerEventName>(event: LoggedEvent<E>, match?: Match<E>): boolean =>
  match === undefined
    ? true
    : typeof match === 'function'
      ? match(event)
      : Object.entries(match).every(([key, value]) => (event as Record<string, unknown>)[key] === value)

/**
 * A server's JSON log read back as events (pino's test `sink()` idea): feed it lines (as a Writable, or
 * with `feed()` from a process or container), then look events up or wait for one by name and fields.
 * Scenario steps and tests use it alike: no sleeps, no matching on message text.
 */
export class EventStream extends Writable {
  readonly events: LoggedEvent[] = []
  /** Lines that were not events. */
  readonly other: string[] = []
  readonly #reader = new JsonLineReader()
  #waiters = new Set<() => void>()
  #subscribers = new Set<(event: LoggedEvent) => void>()

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.feed(chunk.toString('utf8'))
    callback()
  }

  /** Raw text, in any chunking. Lines that are not JSON events (a crash trace, say) are kept apart. */
  feed(text: string): void {
    this.add(this.#reader.push(text))
  }

  /** Lines already split and parsed (by a reader that also looks at them for something else). */
  add(lines: readonly JsonLine[]): void {
    for (const { line, value } of lines) {
      if (!hasStringField(value, 'event')) {
        this.other.push(line)
        continue
      }
      const event = value as unknown as LoggedEvent
      this.events.push(event)
      for (const subscriber of this.#subscribers) subscriber(event)
    }
    for (const wake of [...this.#waiters]) wake()
  }

  /** Calls `listener` with every event from now on; returns the way to stop. */
  subscribe(listener: (event: LoggedEvent) => void): () => void {
    this.#subscribers.add(listener)
    return () => this.#subscribers.delete(listener)
  }

  all<E extends ServerEventName>(name: E, match?: Match<E>): LoggedEvent<E>[] {
    const named = this.events.filter((e) => e.event === name) as unknown as LoggedEvent<E>[]
    return named.filter((e) => matches(e, match))
  }

  /** Resolves with the `count`-th matching event as soon as it is logged; rejects if `signal` aborts first. */
  waitFor<E extends ServerEventName>(name: E, match?: Match<E>, count = 1, signal?: AbortSignal): Promise<LoggedEvent<E>> {
    return new Promise((resolve, reject) => {
      const stop = () => {
        this.#waiters.delete(check)
        signal?.removeEventListener('abort', onAbort)
      }
      const onAbort = () => {
        stop()
        reject(signal!.reason)
      }
      const check = () => {
        const found = this.all(name, match)
        if (found.length < count) return
        stop()
        resolve(found[count - 1]!)
      }
      if (signal?.aborted) return reject(signal.reason)
      signal?.addEventListener('abort', onAbort)
      this.#waiters.add(check)
      check()
    })
  }
}
