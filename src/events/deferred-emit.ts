import type { EventLog } from './event-log.js'

/** When the event being written happened (epoch ms): its log line's `time`, not the moment it was written. */
let happenedAt: number | undefined

/** The time an event line carries: when it was emitted, even if it is written a moment later. */
export const eventTime = (): number => happenedAt ?? Date.now()

/**
 * Logs events after the work of the current turn of the event loop, not in the middle of it: a reply (and
 * the replies to other clients whose commands arrived in the same turn) goes out before any log line is
 * built or written, and the lines are then written together about a millisecond later (one timer).
 * Order is kept and each line carries the time its event happened. Events still queued when the process
 * exits — `process.exit()`, the end of work, an uncaught exception — are written by the 'exit' handler,
 * synchronously: nothing is lost on exit or crash.
 */
export function deferredEmit(write: EventLog['emit'], flush: () => void): EventLog {
  let queue: Array<[Parameters<EventLog['emit']>[0], Parameters<EventLog['emit']>[1], number]> = []
  let scheduled = false
  const drain = () => {
    scheduled = false
    const events = queue
    queue = []
    for (const [event, payload, at] of events) {
      happenedAt = at
      write(event, payload)
    }
    happenedAt = undefined
    flush()
  }
  process.on('exit', drain)
  return {
    emit(event, payload) {
      queue.push([event, payload, Date.now()])
      if (!scheduled) {
        scheduled = true
        setTimeout(drain, 1).unref()
      }
    },
  }
}
