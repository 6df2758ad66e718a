/**
 * Codes carried by ERROR frames in framed mode (docs/protocol.md, "Error codes"). Compatible mode has no
 * error frames: there the server answers with the original text (`File not found`) or a plain line.
 */
export const WIRE_ERROR_CODES = [
  'FILE_NOT_FOUND',
  'PATH_REFUSED',
  'COMMAND_TOO_LONG',
  'INVALID_UTF8',
  'EMPTY_COMMAND',
  'BAD_FRAME',
  'COMMAND_TIMEOUT',
  'READ_FAILED',
  'FILES_UNAVAILABLE',
] as const

export type WireErrorCode = (typeof WIRE_ERROR_CODES)[number]

/** A decoding or request failure that is answered on the wire; `fatal` ones end the connection. */
export class WireError extends Error {
  readonly code: WireErrorCode
  readonly fatal: boolean

  constructor(code: WireErrorCode, message: string, fatal = false) {
    super(message)
    this.name = 'WireError'
    this.code = code
    this.fatal = fatal
  }
}
