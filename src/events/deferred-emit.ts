import type { EventLog } from './server-event.js'

/** When the event being written happened (epoch ms): its log line's `time`, not the moment it was written. */
let happenedAt: number | undefined

/** The time an event line carries: when it was emitted, even if it is written a moment later. */
export const eventTime = (): number => happenedAt ?? Date.now()

/** A log is busy while events follow its last write within this long (ms)… */
export const BUSY_WITHIN_MS = 1
/** …and a busy log's events are written together, at most this long after the first of them (ms)… */
export const BATCH_MS = 20
/** …or, once this many are queued, as soon as the current turn of the event loop is over. */
export const BATCH_EVENTS = 64

/**
 * Logs events off the reply's path: a reply (and the replies to other clients whose commands arrived in
 * the same turn) goes out before any log line is built or written. Lines are written in order, each with
 * the time its event happened:
 * - on a quiet log (as in a scenario, or any session at human pace), as soon as the current turn is over
 *   (setImmediate);
 * - on a busy one (events less than BUSY_WITHIN_MS after its last write: a client sending command after
 *   command, a flood of connections), together: BATCH_MS later (one timer), or after the turn that
 *   queues BATCH_EVENTS.
 *
 * Why not a shorter timer: a timer due within a few milliseconds, pending whenever commands flow, made
 * every round trip about 2 µs slower on a 2-core VM (each sleep of the event loop then reprograms the
 * kernel's timer); a 20 ms one costs nothing measurable. Nor a write after every turn under load: that
 * puts the log's work where the client, woken on the same core, wants to run.
 *
 * Events still queued when the process exits — `process.exit()`, the end of work, an uncaught exception —
 * are written by the 'exit' handler, synchronously: nothing is lost on exit or crash.
 */
export function deferredEmit(write: EventLog['emit'], flush: () => void, now: () => number = () => performance.now()): EventLog {
  let queue: Array<[Parameters<EventLog['emit']>[0], Parameters<EventLog['emit']>[1], number]> = []
  let timerArmed = false
  let immediateArmed = false
  let drainedAt = Number.NEGATIVE_INFINITY
  const drain = () => {
    const events = queue
    queue = []
    for (const [event, payload, at] of events) {
      happenedAt = at
      write(event, payload)
    }
    happenedAt = undefined
    flush()
    drainedAt = now()
  }
  const onTimer = () => {
    timerArmed = false
    drain()
  }
  const onImmediate = () => {
    immediateArmed = false
    drain()
  }
  const armImmediate = () => {
    if (immediateArmed) return
    immediateArmed = true
    setImmediate(onImmediate)
  }
  process.on('exit', drain)
  return {
    emit(event, payload) {
      queue.push([event, payload, Date.now()])
      if (queue.length >= BATCH_EVENTS || (!timerArmed && now() - drainedAt >= BUSY_WITHIN_MS)) return armImmediate()
      if (timerArmed || immediateArmed) return
      timerArmed = true
      setTimeout(onTimer, BATCH_MS).unref()
    },
  }
}
