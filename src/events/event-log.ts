import { hostname } from 'node:os'
import type { Writable } from 'node:stream'
import pino, { type Logger } from 'pino'
import pretty from 'pino-pretty'
import type { LogFormat } from '../config/server-options.js'
import { logText } from '../text/visible-text.js'
import { BatchedDestination } from './batched-destination.js'
import { deferredEmit, eventTime } from './deferred-emit.js'
import { SERVER_EVENTS, type EventLog, type ServerEventName } from './server-event.js'

export type { LogFormat }


export interface EventLogOptions {
  format: LogFormat
  /** Where lines go; standard output (written synchronously, so nothing is lost at exit) by default. */
  stream?: Writable
}

/** JSON lines (pino), pino-pretty for people, or `plain`: the original server's console lines only. */
export function createEventLog(options: EventLogOptions): EventLog {
  if (options.format === 'plain') return plainLog(options.stream)
  const pretty = options.format === 'pretty'
  const logger = pretty ? prettyLogger(options.stream) : jsonLogger(options.stream)
  // One child logger per event name: pino serialises its `event` binding once, not on every line.
  const loggers = new Map<ServerEventName, Logger>()
  const write: EventLog['emit'] = (event, payload) => {
    const definition = SERVER_EVENTS[event]
    let child = loggers.get(event)
    if (!child) loggers.set(event, (child = logger.child({ event })))
    // JSON escapes what a client sent; a line for people must do it itself, or a newline forges a line.
    const line = definition.line(payload)
    child[definition.level](payload as object, pretty ? logText(line) : line)
  }
  // A stream handed in (tests, the demo) gets each event as it is emitted; standard output, at the end of the turn.
  return options.stream ? { emit: write } : deferredEmit(write, () => stdout?.flushSync())
}

/** pino's `time` field for the event's own time; the text is made once per millisecond. */
let stampedAt = Number.NaN
let stamp = ''
function timestamp(): string {
  const at = eventTime()
  if (at !== stampedAt) {
    stampedAt = at
    stamp = `,"time":"${new Date(at).toISOString()}"`
  }
  return stamp
}

const pinoOptions = {
  base: { pid: process.pid, hostname: hostname() },
  timestamp,
}

/** Standard output, one write per turn of the event loop (batched-destination.ts). */
let stdout: BatchedDestination | undefined
const standardOutput = () => (stdout ??= new BatchedDestination(1))

function jsonLogger(stream?: Writable): Logger {
  return pino(pinoOptions, stream ?? standardOutput())
}

function prettyLogger(stream?: Writable): Logger {
  // pino-pretty pipes into its destination, which must be a stream: for people, one write per line is fine.
  const destination = stream ?? pino.destination({ dest: 1, sync: true })
  const colorize = stream === undefined && process.stdout.isTTY === true
  return pino(
    pinoOptions,
    pretty({
      destination,
      colorize,
      sync: true,
      hideObject: true,
      translateTime: 'SYS:HH:MM:ss.l',
      messageFormat: '{event}: {msg}',
    }),
  )
}

function plainLog(stream?: Writable): EventLog {
  const write = stream ? (line: string) => stream.write(line) : (line: string) => process.stdout.write(line)
  return {
    emit(event, payload) {
      const definition = SERVER_EVENTS[event]
      if (definition.original(payload)) write(`${logText(definition.line(payload))}\n`)
    },
  }
}
