/**
 * Framed mode: every message is `type (1 byte) | payload length (uint32, big-endian) | payload`.
 * Client→server types are below 0x80, server→client types at or above it (docs/protocol.md).
 */
export const FrameType = {
  COMMAND: 0x01,
  WELCOME: 0x81,
  REPLY: 0x82,
  ERROR: 0x83,
  FILE_START: 0x84,
  FILE_DATA: 0x85,
  FILE_END: 0x86,
  BYE: 0x87,
} as const

export type FrameTypeName = keyof typeof FrameType
export type FrameTypeValue = (typeof FrameType)[FrameTypeName]

export const FRAME_HEADER_LENGTH = 5

export const CLIENT_FRAME_TYPES: ReadonlySet<number> = new Set([FrameType.COMMAND])
export const SERVER_FRAME_TYPES: ReadonlySet<number> = new Set([
  FrameType.WELCOME,
  FrameType.REPLY,
  FrameType.ERROR,
  FrameType.FILE_START,
  FrameType.FILE_DATA,
  FrameType.FILE_END,
  FrameType.BYE,
])

export function frameTypeName(type: number): string {
  const entry = Object.entries(FrameType).find(([, value]) => value === type)
  return entry ? entry[0] : `0x${type.toString(16).padStart(2, '0')}`
}
