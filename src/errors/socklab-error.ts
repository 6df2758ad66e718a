/**
 * Every failure socklab reports carries a stable `code`; callers and tests check the code, never the
 * message. The CLI maps codes to exit codes in one place (cli/exit-codes.ts).
 */
export const SOCKLAB_ERROR_CODES = [
  'SOCKLAB_CONFIG_INVALID',
  'SOCKLAB_CONNECT_FAILED',
  'SOCKLAB_SERVER_FULL',
  'SOCKLAB_HANDSHAKE_FAILED',
  'SOCKLAB_CONNECTION_LOST',
  'SOCKLAB_PROTOCOL_ERROR',
  'SOCKLAB_TRANSFER_FAILED',
  'SOCKLAB_TRANSFER_CANCELLED',
  'SOCKLAB_REPLY_TIMEOUT',
  'SOCKLAB_LISTEN_FAILED',
  'SOCKLAB_SCENARIO_INVALID',
  'SOCKLAB_SCENARIO_FAILED',
  'SOCKLAB_TARGET_UNAVAILABLE',
  'SOCKLAB_INTERRUPTED',
] as const

export type SocklabErrorCode = (typeof SOCKLAB_ERROR_CODES)[number]

export class SocklabError extends Error {
  readonly code: SocklabErrorCode

  constructor(code: SocklabErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'SocklabError'
    this.code = code
  }
}

export function isSocklabError(value: unknown, code?: SocklabErrorCode): value is SocklabError {
  return value instanceof SocklabError && (code === undefined || value.code === code)
}
