import { FRAME_HEADER_LENGTH, FrameType, type FrameTypeValue } from './frame-type.js'
import type { ByePayload, ErrorPayload, FileStartPayload, WelcomePayload } from './frame-payload.js'

export function encodeFrameHeader(type: FrameTypeValue, length: number): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER_LENGTH)
  header[0] = type
  header.writeUInt32BE(length, 1)
  return header
}

export function encodeFrame(type: FrameTypeValue, payload: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([encodeFrameHeader(type, payload.length), payload])
}

/** A frame whose payload is `text` in UTF-8, written once into the frame's own buffer (no copy, one allocation). */
function textFrame(type: FrameTypeValue, text: string): Buffer {
  const length = Buffer.byteLength(text, 'utf8')
  const frame = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + length)
  frame[0] = type
  frame.writeUInt32BE(length, 1)
  frame.write(text, FRAME_HEADER_LENGTH, length, 'utf8')
  return frame
}

const jsonFrame = (type: FrameTypeValue, value: object): Buffer => textFrame(type, JSON.stringify(value))

export const encodeCommand = (text: string): Buffer => textFrame(FrameType.COMMAND, text)
export const encodeReply = (text: string): Buffer => textFrame(FrameType.REPLY, text)
export const encodeWelcome = (payload: WelcomePayload): Buffer => jsonFrame(FrameType.WELCOME, payload)
export const encodeError = (payload: ErrorPayload): Buffer => jsonFrame(FrameType.ERROR, payload)
export const encodeFileStart = (payload: FileStartPayload): Buffer => jsonFrame(FrameType.FILE_START, payload)
export const encodeFileEnd = (): Buffer => encodeFrame(FrameType.FILE_END)
export const encodeBye = (payload: ByePayload): Buffer => jsonFrame(FrameType.BYE, payload)

/** File bytes travel as FILE_DATA frames; the header is separate so the chunk itself is never copied. */
export const encodeFileDataHeader = (length: number): Buffer => encodeFrameHeader(FrameType.FILE_DATA, length)
