import { isUtf8 } from 'node:buffer'
import { WireError } from './wire-error-code.js'

export interface DecodedLine {
  text: string
  /** True when the command ended with `\n` or `\r\n`; false for a bare command taken by `flush()`. */
  terminated: boolean
}

export type LineDecodeResult = DecodedLine | WireError

const NEWLINE = 0x0a
const CARRIAGE_RETURN = 0x0d

/**
 * Compatible-mode decoder. The original client sends each command as one bare message, while netcat and
 * telnet end each with `\n` or `\r\n`: complete lines are returned by `push()`, and the caller hands an
 * unterminated remainder over with `flush()` once no more bytes follow it. Pure: no socket, no timers.
 */
export class LineDecoder {
  readonly #maxCommandLength: number
  #parts: Buffer[] = []
  #pendingLength = 0
  #failed = false
  #usesNewlines = false

  constructor(options: { maxCommandLength: number }) {
    this.#maxCommandLength = options.maxCommandLength
  }

  get pending(): number {
    return this.#pendingLength
  }

  get failed(): boolean {
    return this.#failed
  }

  /**
   * True once a command ended with a newline (netcat, telnet): from then on an unfinished line waits for its
   * newline and is never taken as a bare command. Only clients that never send one (the original) keep the
   * bare framing, where a pause ends a command.
   */
  get usesNewlines(): boolean {
    return this.#usesNewlines
  }

  push(chunk: Buffer): LineDecodeResult[] {
    const out: LineDecodeResult[] = []
    let start = 0
    while (!this.#failed) {
      const newline = chunk.indexOf(NEWLINE, start)
      if (newline < 0) break
      this.#append(chunk.subarray(start, newline), out)
      if (this.#failed) return out
      out.push(this.#take(true))
      this.#usesNewlines = true
      start = newline + 1
    }
    if (!this.#failed && start < chunk.length) this.#append(chunk.subarray(start), out)
    return out
  }

  /** Takes the unterminated remainder, if any, as one whole command (the original client's framing). */
  flush(): LineDecodeResult[] {
    if (this.#failed || this.#pendingLength === 0) return []
    return [this.#take(false)]
  }

  #append(piece: Buffer, out: LineDecodeResult[]): void {
    this.#parts.push(piece)
    this.#pendingLength += piece.length
    // One byte of slack: a `\r` before the newline is not part of the command.
    if (this.#pendingLength > this.#maxCommandLength + 1) {
      this.#failed = true
      this.#parts = []
      this.#pendingLength = 0
      out.push(
        new WireError('COMMAND_TOO_LONG', `command exceeds the limit of ${this.#maxCommandLength} bytes`, true),
      )
    }
  }

  #take(terminated: boolean): LineDecodeResult {
    let bytes = Buffer.concat(this.#parts, this.#pendingLength)
    this.#parts = []
    this.#pendingLength = 0
    if (terminated && bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN) {
      bytes = bytes.subarray(0, bytes.length - 1)
    }
    if (bytes.length > this.#maxCommandLength) {
      this.#failed = true
      return new WireError('COMMAND_TOO_LONG', `command exceeds the limit of ${this.#maxCommandLength} bytes`, true)
    }
    if (!isUtf8(bytes)) return new WireError('INVALID_UTF8', 'command is not valid UTF-8')
    return { text: bytes.toString('utf8'), terminated }
  }
}
