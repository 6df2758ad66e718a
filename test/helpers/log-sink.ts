import { Writable } from 'node:stream'
import type { ServerEventName, ServerEventPayloads } from '../../events/server-event.js'

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
 * Collects a server's JSON log lines as objects (pino's test `sink()` idea) and lets tests wait for an
 * event by name and fields: no sleeps, no matching on message text.
 */
export class LogSink extends Writable {
  readonly events: LoggedEvent[] = []
  #partial = ''
  #waiters = new Set<() => void>()

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.feed(chunk.toString('utf8'))
    callback()
  }

  /** Also usable for a child process's stdout. */
  feed(text: string): void {
    const lines = (this.#partial + text).split('\n')
    this.#partial = lines.pop()!
    for (const line of lines) {
      if (line.trim() === '') continue
      this.events.push(JSON.parse(line) as LoggedEvent)
    }
    for (const wake of [...this.#waiters]) wake()
  }

  all<E extends ServerEventName>(name: E, match?: Match<E>): LoggedEvent<E>[] {
    const named = this.events.filter((e) => e.event === name) as unknown as LoggedEvent<E>[]
    return named.filter((e) => matches(e, match))
  }

  /** Resolves with the `count`-th matching event, as soon as it is logged. */
  waitFor<E extends ServerEventName>(name: E, match?: Match<E>, count = 1): Promise<LoggedEvent<E>> {
    return new Promise((resolve) => {
      const check = () => {
        const found = this.all(name, match)
        if (found.length < count) return
        this.#waiters.delete(check)
        resolve(found[count - 1]!)
      }
      this.#waiters.add(check)
      check()
    })
  }
}
