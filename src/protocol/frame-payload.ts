import type { WireErrorCode } from './wire-error-code.js'

/** JSON payloads of the framed-mode control frames (docs/protocol.md). */
export interface WelcomePayload {
  protocol: 'socklab'
  version: 1
  client: string
  maxCommandLength: number
}

export interface ErrorPayload {
  code: WireErrorCode
  message: string
}

export interface FileStartPayload {
  name: string
  size: number
  sha256: string
}

export type ByeReason = 'exit' | 'timeout' | 'shutdown' | 'error'

export interface ByePayload {
  reason: ByeReason
  message: string
}
