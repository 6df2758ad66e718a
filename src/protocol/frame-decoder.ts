import { FRAME_HEADER_LENGTH } from './frame-type.js'
import { WireError, type WireErrorCode } from './wire-error-code.js'

export interface DecodedFrame {
  type: number
  /** For streamed types this is one piece of the frame's payload, as it arrived. */
  payload: Buffer
}

export type FrameDecodeResult = DecodedFrame | WireError

export interface FrameDecoderOptions {
  /** Frame types this side accepts; any other type is a fatal BAD_FRAME. */
  accept: ReadonlySet<number>
  /** Largest payload accepted for non-streamed types. */
  maxPayload: number
  /** Code reported when a non-streamed frame announces more than `maxPayload`. */
  oversizeCode?: WireErrorCode
  /** Types whose payload is handed on piece by piece instead of being buffered whole (file data). */
  streamed?: ReadonlySet<number>
}

/**
 * Incremental framed-mode decoder. It never touches a socket: `push()` takes whatever bytes arrived and
 * returns the frames completed by them, in order. After a fatal error it returns nothing more.
 */
export class FrameDecoder {
  readonly #options: Required<FrameDecoderOptions>
  #buffered: Buffer[] = []
  #bufferedLength = 0
  #type = -1
  #remaining = -1
  #failed = false

  constructor(options: FrameDecoderOptions) {
    this.#options = { oversizeCode: 'BAD_FRAME', streamed: new Set(), ...options }
  }

  /** Bytes of an unfinished frame held so far (0 when the stream sits on a frame boundary). */
  get pending(): number {
    return this.#bufferedLength + (this.#remaining >= 0 ? 1 : 0)
  }

  get failed(): boolean {
    return this.#failed
  }

  push(chunk: Buffer): FrameDecodeResult[] {
    const out: FrameDecodeResult[] = []
    let offset = 0
    while (!this.#failed && offset < chunk.length) {
      if (this.#remaining < 0) {
        offset = this.#readHeader(chunk, offset, out)
        continue
      }
      offset = this.#readPayload(chunk, offset, out)
    }
    return out
  }

  #readHeader(chunk: Buffer, offset: number, out: FrameDecodeResult[]): number {
    // The usual case, a whole header in the chunk, is read in place; a header split across chunks is gathered.
    let header = chunk
    let at = offset
    let take = FRAME_HEADER_LENGTH
    if (this.#bufferedLength > 0 || chunk.length - offset < FRAME_HEADER_LENGTH) {
      take = Math.min(FRAME_HEADER_LENGTH - this.#bufferedLength, chunk.length - offset)
      this.#buffered.push(chunk.subarray(offset, offset + take))
      this.#bufferedLength += take
      if (this.#bufferedLength < FRAME_HEADER_LENGTH) return offset + take
      header = Buffer.concat(this.#buffered, FRAME_HEADER_LENGTH)
      at = 0
      this.#buffered = []
      this.#bufferedLength = 0
    }
    const type = header[at]!
    const length = header.readUInt32BE(at + 1)
    if (!this.#options.accept.has(type)) {
      return this.#fail(out, new WireError('BAD_FRAME', `unknown frame type 0x${type.toString(16)}`, true))
    }
    if (!this.#options.streamed.has(type) && length > this.#options.maxPayload) {
      const message = `frame of ${length} bytes exceeds the limit of ${this.#options.maxPayload}`
      return this.#fail(out, new WireError(this.#options.oversizeCode, message, true))
    }
    this.#type = type
    this.#remaining = length
    if (length === 0) this.#finishFrame(out)
    return offset + take
  }

  #readPayload(chunk: Buffer, offset: number, out: FrameDecodeResult[]): number {
    const take = Math.min(this.#remaining, chunk.length - offset)
    const piece = chunk.subarray(offset, offset + take)
    this.#remaining -= take
    if (this.#options.streamed.has(this.#type)) {
      out.push({ type: this.#type, payload: piece })
      if (this.#remaining === 0) this.#reset()
      return offset + take
    }
    if (this.#remaining === 0 && this.#bufferedLength === 0) {
      // A whole payload in one chunk (the usual case) is handed on as it is, without a copy.
      out.push({ type: this.#type, payload: piece })
      this.#reset()
      return offset + take
    }
    this.#buffered.push(piece)
    this.#bufferedLength += take
    if (this.#remaining === 0) this.#finishFrame(out)
    return offset + take
  }

  #finishFrame(out: FrameDecodeResult[]): void {
    if (!this.#options.streamed.has(this.#type)) {
      out.push({ type: this.#type, payload: Buffer.concat(this.#buffered, this.#bufferedLength) })
    }
    this.#reset()
  }

  #reset(): void {
    if (this.#buffered.length > 0) this.#buffered = []
    this.#bufferedLength = 0
    this.#type = -1
    this.#remaining = -1
  }

  #fail(out: FrameDecodeResult[], error: WireError): number {
    this.#failed = true
    this.#reset()
    out.push(error)
    return Number.MAX_SAFE_INTEGER
  }
}
