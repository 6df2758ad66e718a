import type { Socket } from 'node:net'
import type { ProtocolMode } from '../events/server-event.js'
import {
  encodeBye,
  encodeError,
  encodeFileDataHeader,
  encodeFileEnd,
  encodeFileStart,
  encodeReply,
  encodeWelcome,
} from '../protocol/frame-encoder.js'
import type { ByeReason, FileStartPayload, WelcomePayload } from '../protocol/frame-payload.js'
import { FILE_NOT_FOUND } from '../protocol/original-text.js'
import type { WireErrorCode } from '../protocol/wire-error-code.js'

/**
 * Puts replies on the wire in the connection's mode. Every method returns what `socket.write()` did, so the
 * caller can wait for 'drain' and never buffer without bound for a client that does not read. Each write
 * is reported to `onWrite`, and so is each file chunk the kernel takes (the connection's idle clock: a client
 * being sent something is not idle).
 */
export interface ReplyWriter {
  readonly mode: ProtocolMode
  text(text: string, terminated: boolean): boolean
  error(code: WireErrorCode, message: string, terminated: boolean): boolean
  fileStart(payload: FileStartPayload): boolean
  /** `taken` is called once the socket no longer needs `chunk` (the buffer may then be reused). */
  fileChunk(chunk: Buffer, taken: () => void): boolean
  fileEnd(): boolean
  bye(reason: ByeReason, message: string): void
}

type Write = (data: Buffer | string, done?: () => void) => boolean

const reporting = (socket: Socket, onWrite: () => void): Write => (data, done) => {
  onWrite()
  return socket.write(data, done)
}

export function framedWriter(socket: Socket, welcome: WelcomePayload, onWrite: () => void): ReplyWriter {
  const write = reporting(socket, onWrite)
  write(encodeWelcome(welcome))
  return {
    mode: 'framed',
    text: (text) => write(encodeReply(text)),
    error: (code, message) => write(encodeError({ code, message })),
    fileStart: (payload) => write(encodeFileStart(payload)),
    fileChunk(chunk, taken) {
      // Corked so header and chunk leave in one writev, without copying the chunk.
      socket.cork()
      write(encodeFileDataHeader(chunk.length))
      // The kernel took the chunk: the client made room for it, which is progress too.
      const flowing = write(chunk, () => {
        onWrite()
        taken()
      })
      socket.uncork()
      return flowing
    },
    fileEnd: () => write(encodeFileEnd()),
    bye: (reason, message) => void write(encodeBye({ reason, message })),
  }
}

/**
 * Compatible mode answers as the original did: bare text, raw file bytes, `File not found`. A command that
 * arrived with a newline (netcat, telnet) gets its reply followed by one, so replies do not run together.
 */
export function compatWriter(socket: Socket, onWrite: () => void): ReplyWriter {
  const write = reporting(socket, onWrite)
  const line = (text: string, terminated: boolean): boolean => write(terminated ? `${text}\n` : text)
  return {
    mode: 'compat',
    text: line,
    error: (code, message, terminated) =>
      line(code === 'FILE_NOT_FOUND' || code === 'PATH_REFUSED' ? FILE_NOT_FOUND : `Error: ${message}`, terminated),
    fileStart: () => true,
    fileChunk: (chunk, taken) =>
      write(chunk, () => {
        onWrite()
        taken()
      }),
    fileEnd: () => true,
    bye: () => undefined,
  }
}
