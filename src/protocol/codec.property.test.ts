import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseCommand } from './command.js'
import { encodeCommand, encodeFileDataHeader, encodeFrame, encodeReply } from './frame-encoder.js'
import { FrameDecoder } from './frame-decoder.js'
import { CLIENT_FRAME_TYPES, FrameType, SERVER_FRAME_TYPES } from './frame-type.js'
import { HELLO, classifyOpening } from './handshake.js'
import { LineDecoder } from './line-decoder.js'
import { WireError } from './wire-error-code.js'

/** Splits `bytes` at the given (sorted, deduplicated) offsets. */
function chunked(bytes: Uint8Array, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const out: Buffer[] = []
  let start = 0
  for (const point of [...points, bytes.length]) {
    out.push(Buffer.from(bytes.subarray(start, point)))
    start = point
  }
  return out
}

const anyBytes = fc.uint8Array({ maxLength: 2048 })
const cuts = fc.array(fc.nat(4096), { maxLength: 12 })

describe('properties of the codec', () => {
  it('the frame decoder never throws on any bytes in any chunking, and stops after a fatal error', () => {
    fc.assert(
      fc.property(anyBytes, cuts, fc.boolean(), (bytes, cutAt, serverSide) => {
        const decoder = serverSide
          ? new FrameDecoder({ accept: CLIENT_FRAME_TYPES, maxPayload: 256, oversizeCode: 'COMMAND_TOO_LONG' })
          : new FrameDecoder({ accept: SERVER_FRAME_TYPES, maxPayload: 256, streamed: new Set([FrameType.FILE_DATA]) })
        const results = chunked(bytes, cutAt).flatMap((chunk) => decoder.push(chunk))
        const fatal = results.findIndex((r) => r instanceof WireError && r.fatal)
        if (fatal >= 0) expect(fatal).toBe(results.length - 1)
        for (const r of results) if (r instanceof WireError) expect(['BAD_FRAME', 'COMMAND_TOO_LONG']).toContain(r.code)
      }),
    )
  })

  it('valid command frames round-trip in any chunking', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 64 }), { maxLength: 20 }), cuts, (texts, cutAt) => {
        const wire = Buffer.concat(texts.map(encodeCommand))
        const decoder = new FrameDecoder({ accept: CLIENT_FRAME_TYPES, maxPayload: 4096 })
        const decoded = chunked(wire, cutAt).flatMap((chunk) => decoder.push(chunk))
        expect(decoded.map((f) => (f as { payload: Buffer }).payload.toString('utf8'))).toEqual(texts)
      }),
    )
  })

  it('server frames round-trip, streamed file data re-assembled whole', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }), fc.string(), cuts, (pieces, reply, cutAt) => {
        const wire = Buffer.concat([
          ...pieces.flatMap((p) => [encodeFileDataHeader(p.length), Buffer.from(p)]),
          encodeFrame(FrameType.FILE_END),
          encodeReply(reply),
        ])
        const decoder = new FrameDecoder({ accept: SERVER_FRAME_TYPES, maxPayload: 4096, streamed: new Set([FrameType.FILE_DATA]) })
        const decoded = chunked(wire, cutAt).flatMap((chunk) => decoder.push(chunk)) as Array<{ type: number; payload: Buffer }>
        const data = Buffer.concat(decoded.filter((f) => f.type === FrameType.FILE_DATA).map((f) => f.payload))
        expect(data.equals(Buffer.concat(pieces.map((p) => Buffer.from(p))))).toBe(true)
        expect(decoded.at(-1)).toMatchObject({ type: FrameType.REPLY })
        expect(decoded.at(-1)!.payload.toString('utf8')).toBe(reply)
      }),
    )
  })

  it('the line decoder never throws on any bytes in any chunking', () => {
    fc.assert(
      fc.property(anyBytes, cuts, (bytes, cutAt) => {
        const decoder = new LineDecoder({ maxCommandLength: 64 })
        const results = [...chunked(bytes, cutAt).flatMap((chunk) => decoder.push(chunk)), ...decoder.flush()]
        for (const r of results) {
          if (r instanceof WireError) expect(['COMMAND_TOO_LONG', 'INVALID_UTF8']).toContain(r.code)
          else expect(Buffer.byteLength(r.text)).toBeLessThanOrEqual(64)
        }
      }),
    )
  })

  it('lines without newlines round-trip with \\n or \\r\\n endings in any chunking', () => {
    const line = fc.string({ maxLength: 40 }).filter((s) => !s.includes('\n') && !s.endsWith('\r') && Buffer.byteLength(s) <= 64)
    fc.assert(
      fc.property(fc.array(fc.tuple(line, fc.boolean()), { maxLength: 20 }), cuts, (lines, cutAt) => {
        const wire = Buffer.from(lines.map(([text, crlf]) => `${text}${crlf ? '\r\n' : '\n'}`).join(''), 'utf8')
        const decoder = new LineDecoder({ maxCommandLength: 64 })
        const decoded = chunked(wire, cutAt).flatMap((chunk) => decoder.push(chunk))
        expect(decoded.map((d) => (d as { text: string }).text)).toEqual(lines.map(([text]) => text))
      }),
    )
  })

  it('the command parser and the opening classifier accept anything', () => {
    fc.assert(
      fc.property(fc.string(), anyBytes, (text, bytes) => {
        const command = parseCommand(text)
        if (command.kind === 'get') expect(text.startsWith('get ')).toBe(true)
        if (command.kind === 'echo') expect(command.text).toBe(text)
        const kind = classifyOpening(Buffer.from(bytes))
        if (kind === 'framed') expect(Buffer.from(bytes).subarray(0, HELLO.length).equals(HELLO)).toBe(true)
      }),
    )
  })
})
