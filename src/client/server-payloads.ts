import { SocklabError } from '../errors/socklab-error.js'
import type { ByePayload, WelcomePayload } from '../protocol/frame-payload.js'

/**
 * What a server's control frames must hold before the client acts on them. Nothing a server sends is
 * trusted: a payload that is not the JSON object the protocol defines is a protocol error with a one-line
 * reason, never an exception from deep inside. Pure: bytes in, a checked value or a coded error out.
 */

/** Printable text: no control characters (C0, DEL, C1), so a name cannot move the cursor or forge a line. */
const PRINTABLE = /^[^\u0000-\u001f\u007f-\u009f]+$/
/** Error codes are upper-case words: `FILE_NOT_FOUND`, or a code a newer server adds. */
const CODE = /^[A-Z][A-Z0-9_]{0,63}$/
/** Goodbye reasons are lower-case words: `exit`, `timeout`, or one a newer server adds. */
const REASON = /^[a-z][a-z0-9_]{0,63}$/
const SHA256 = /^[0-9a-f]{64}$/
const MAX_NAME = 64

export function protocolError(message: string): SocklabError {
  return new SocklabError('SOCKLAB_PROTOCOL_ERROR', message)
}

/** The frame's payload as a JSON object, or a protocol error naming the frame. */
export function jsonObject(frame: string, payload: Buffer): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(payload.toString('utf8'))
  } catch {
    throw protocolError(`${frame} frame is not valid JSON`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw protocolError(`${frame} frame is not a JSON object`)
  return value as Record<string, unknown>
}

const text = (value: unknown, max: number): value is string => typeof value === 'string' && value.length <= max

export function parseWelcome(payload: Buffer): WelcomePayload {
  const welcome = jsonObject('WELCOME', payload)
  if (welcome.protocol !== 'socklab') throw protocolError('WELCOME frame does not name the socklab protocol')
  if (welcome.version !== 1) throw protocolError(`the server speaks protocol version ${JSON.stringify(welcome.version)}; this client speaks 1`)
  if (!text(welcome.client, MAX_NAME) || !PRINTABLE.test(welcome.client)) {
    throw protocolError(`WELCOME frame has no usable client name (1 to ${MAX_NAME} printable characters)`)
  }
  const { maxCommandLength } = welcome
  if (!Number.isSafeInteger(maxCommandLength) || (maxCommandLength as number) < 1) throw protocolError('WELCOME frame has no usable maxCommandLength')
  return { protocol: 'socklab', version: 1, client: welcome.client, maxCommandLength: maxCommandLength as number }
}

export function parseError(payload: Buffer): { code: string; message: string } {
  const error = jsonObject('ERROR', payload)
  if (typeof error.code !== 'string' || !CODE.test(error.code)) throw protocolError('ERROR frame has no usable code')
  if (typeof error.message !== 'string') throw protocolError('ERROR frame has no message')
  return { code: error.code, message: error.message }
}

export function parseBye(payload: Buffer): ByePayload {
  const bye = jsonObject('BYE', payload)
  if (typeof bye.reason !== 'string' || !REASON.test(bye.reason)) throw protocolError('BYE frame has no usable reason')
  return { reason: bye.reason as ByePayload['reason'], message: typeof bye.message === 'string' ? bye.message : '' }
}

/** What a FILE_START promises. A file is given its final name only if both are there and it keeps to them. */
export type FileAnnouncement = { size: number; sha256: string } | { unverifiable: string }

export function parseFileStart(payload: Buffer): FileAnnouncement {
  const start = jsonObject('FILE_START', payload)
  const { size, sha256 } = start
  if (!Number.isSafeInteger(size) || (size as number) < 0) return { unverifiable: 'the server announced no usable size' }
  if (typeof sha256 !== 'string' || !SHA256.test(sha256)) return { unverifiable: 'the server announced no usable SHA-256' }
  return { size: size as number, sha256 }
}
