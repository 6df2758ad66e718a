import type { Socket } from 'node:net'
import { SocklabError } from '../errors/socklab-error.js'
import { FrameDecoder } from '../protocol/frame-decoder.js'
import type { WelcomePayload } from '../protocol/frame-payload.js'
import { FRAME_HEADER_LENGTH, FrameType } from '../protocol/frame-type.js'
import { HELLO, HELLO_ECHO } from '../protocol/handshake.js'
import { SERVER_FULL } from '../protocol/original-text.js'
import { parseWelcome, protocolError } from './server-payloads.js'

export type HandshakeResult =
  | { mode: 'framed'; welcome: WelcomePayload; rest: Buffer }
  | { mode: 'compat' }

const FULL = Buffer.from(SERVER_FULL, 'utf8')

const isPrefixOf = (bytes: Buffer, whole: Buffer): boolean =>
  bytes.length <= whole.length && whole.subarray(0, bytes.length).equals(bytes)

/** The first bytes a server sent, quoted, for a message. */
const firstBytes = (bytes: Buffer): string => `${JSON.stringify(bytes.subarray(0, 40).toString('latin1'))}${bytes.length > 40 ? ` (the first 40 of ${bytes.length} bytes)` : ''}`

export const serverFull = (): SocklabError => new SocklabError('SOCKLAB_SERVER_FULL', SERVER_FULL)

/**
 * Sends HELLO and reads the answer: a WELCOME frame (a socklab server: framed mode), the HELLO echoed with
 * ` ACK` (a compatible-only server such as the original: fall back), or the rejection text.
 */
export function handshake(socket: Socket, timeoutMs: number): Promise<HandshakeResult> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0)
    const decoder = new FrameDecoder({ accept: new Set([FrameType.WELCOME]), maxPayload: 64 * 1024 })
    const finish = (outcome: HandshakeResult | SocklabError) => {
      clearTimeout(timer)
      socket.off('data', onData).off('end', onEnd).off('error', onError).off('close', onEnd)
      if (outcome instanceof SocklabError) {
        socket.destroy()
        reject(outcome)
      } else {
        resolve(outcome)
      }
    }
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      if (received[0] === FrameType.WELCOME) {
        const [first] = decoder.push(chunk)
        if (first === undefined) return
        if (first instanceof Error) return finish(protocolError(`bad WELCOME frame: ${first.message}`))
        try {
          const welcome = parseWelcome(first.payload)
          return finish({ mode: 'framed', welcome, rest: received.subarray(FRAME_HEADER_LENGTH + first.payload.length) })
        } catch (error) {
          return finish(error as SocklabError)
        }
      }
      if (received.equals(HELLO_ECHO)) return finish({ mode: 'compat' })
      if (received.equals(FULL)) return finish(serverFull())
      if (!isPrefixOf(received, HELLO_ECHO) && !isPrefixOf(received, FULL)) {
        finish(protocolError(`unexpected answer to the hello: ${firstBytes(received)}, where the assignment's server answers any text with "<text> ACK" (and a socklab server with its WELCOME)`))
      }
    }
    const onEnd = () =>
      finish(
        received.length > 0 && isPrefixOf(received, FULL)
          ? serverFull()
          : new SocklabError('SOCKLAB_CONNECTION_LOST', 'the server closed the connection during the handshake'),
      )
    const onError = (error: Error) =>
      finish(
        received.equals(FULL)
          ? serverFull()
          : new SocklabError('SOCKLAB_CONNECTION_LOST', `connection failed during the handshake: ${error.message}`),
      )
    const timer = setTimeout(
      () =>
        finish(
          new SocklabError(
            'SOCKLAB_HANDSHAKE_FAILED',
            received.length > 0
              ? `the server accepted the connection but stopped part-way through its answer to the hello: in ${timeoutMs} ms it sent only ${firstBytes(received)}`
              : `the server accepted the connection but never answered: no byte came back to the hello in ${timeoutMs} ms (does it recv() and send() on every connection it accepts, each in a thread of its own?)`,
          ),
        ),
      timeoutMs,
    )
    socket.on('data', onData).on('end', onEnd).on('error', onError).on('close', onEnd)
    socket.write(HELLO)
  })
}
