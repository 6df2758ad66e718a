import { hostname } from 'node:os'
import type { Writable } from 'node:stream'
import pino, { type Logger } from 'pino'
import pretty from 'pino-pretty'
import type { LogFormat } from '../config/server-options.js'
import { logText } from '../text/visible-text.js'
import { SERVER_EVENTS, type ServerEventName, type ServerEventPayloads } from './server-event.js'

export type { LogFormat }

export interface EventLog {
  emit<E extends ServerEventName>(event: E, payload: ServerEventPayloads[E]): void
}

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
  return {
    emit(event, payload) {
      const definition = SERVER_EVENTS[event]
      const fields: object = { event, ...payload }
      // JSON escapes what a client sent; a line for people must do it itself, or a newline forges a line.
      const line = definition.line(payload)
      logger[definition.level](fields, pretty ? logText(line) : line)
    },
  }
}

const pinoOptions = {
  base: { pid: process.pid, hostname: hostname() },
  timestamp: pino.stdTimeFunctions.isoTime,
}

function jsonLogger(stream?: Writable): Logger {
  return pino(pinoOptions, stream ?? pino.destination({ dest: 1, sync: true }))
}

function prettyLogger(stream?: Writable): Logger {
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
