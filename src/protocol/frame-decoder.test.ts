import { describe, expect, it } from 'vitest'
import { encodeCommand, encodeError, encodeFileDataHeader, encodeFrame, encodeReply } from './frame-encoder.js'
import { FrameDecoder, type FrameDecodeResult } from './frame-decoder.js'
import { CLIENT_FRAME_TYPES, FrameType, SERVER_FRAME_TYPES } from './frame-type.js'
import { WireError } from './wire-error-code.js'

const serverSide = () => new FrameDecoder({ accept: CLIENT_FRAME_TYPES, maxPayload: 64, oversizeCode: 'COMMAND_TOO_LONG' })
const clientSide = () =>
  new FrameDecoder({ accept: SERVER_FRAME_TYPES, maxPayload: 1024, streamed: new Set([FrameType.FILE_DATA]) })

/** Joins streamed pieces back into whole frames so results can be compared regardless of chunking. */
function collect(results: FrameDecodeResult[]): Array<{ type: number; text: string } | string> {
  const out: Array<{ type: number; text: string } | string> = []
  for (const item of results) {
    if (item instanceof WireError) out.push(item.code)
    else out.push({ type: item.type, text: item.payload.toString('latin1') })
  }
  return out
}

describe('FrameDecoder', () => {
  const stream = Buffer.concat([encodeCommand('hello'), encodeCommand(''), encodeCommand('get ünïcødé.bin'), encodeCommand('status')])
  const expected = [
    { type: FrameType.COMMAND, text: Buffer.from('hello').toString('latin1') },
    { type: FrameType.COMMAND, text: '' },
    { type: FrameType.COMMAND, text: Buffer.from('get ünïcødé.bin').toString('latin1') },
    { type: FrameType.COMMAND, text: 'status' },
  ]

  it('decodes several frames arriving in one chunk', () => {
    expect(collect(serverSide().push(stream))).toEqual(expected)
  })

  it('decodes the same frames split at every byte offset', () => {
    for (let cut = 0; cut <= stream.length; cut += 1) {
      const decoder = serverSide()
      const results = [...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut))]
      expect(collect(results), `cut at ${cut}`).toEqual(expected)
      expect(decoder.pending).toBe(0)
    }
  })

  it('decodes the stream fed one byte at a time', () => {
    const decoder = serverSide()
    const results: FrameDecodeResult[] = []
    for (const byte of stream) results.push(...decoder.push(Buffer.from([byte])))
    expect(collect(results)).toEqual(expected)
  })

  it('reports a partial frame as pending', () => {
    const decoder = serverSide()
    decoder.push(encodeCommand('status').subarray(0, 3))
    expect(decoder.pending).toBeGreaterThan(0)
  })

  it('refuses a frame longer than the limit from its header alone, and stops', () => {
    const decoder = serverSide()
    const header = encodeFrame(FrameType.COMMAND, Buffer.alloc(65)).subarray(0, 5)
    const [error] = decoder.push(header)
    expect(error).toBeInstanceOf(WireError)
    expect((error as WireError).code).toBe('COMMAND_TOO_LONG')
    expect((error as WireError).fatal).toBe(true)
    expect(decoder.push(encodeCommand('hello'))).toEqual([])
  })

  it('accepts a frame exactly at the limit', () => {
    const [frame] = serverSide().push(encodeFrame(FrameType.COMMAND, Buffer.alloc(64, 0x61)))
    expect(frame).not.toBeInstanceOf(WireError)
  })

  it('refuses an unknown frame type as a fatal BAD_FRAME', () => {
    const [error] = serverSide().push(encodeReply('not from a client'))
    expect((error as WireError).code).toBe('BAD_FRAME')
    expect((error as WireError).fatal).toBe(true)
  })

  it('hands streamed payloads on piece by piece, with any size, split anywhere', () => {
    const data = Buffer.alloc(5000, 7)
    const wire = Buffer.concat([encodeFileDataHeader(data.length), data, encodeError({ code: 'READ_FAILED', message: 'x' })])
    for (const cut of [1, 4, 5, 6, 2500, 5004, 5005, 5006, wire.length - 1]) {
      const decoder = clientSide()
      const results = [...decoder.push(wire.subarray(0, cut)), ...decoder.push(wire.subarray(cut))]
      const pieces = results.filter((r) => !(r instanceof WireError) && r.type === FrameType.FILE_DATA)
      expect(Buffer.concat(pieces.map((p) => (p as { payload: Buffer }).payload)).equals(data), `cut at ${cut}`).toBe(true)
      expect(results.at(-1)).toMatchObject({ type: FrameType.ERROR })
    }
  })

  it('passes empty frames through', () => {
    const [frame] = clientSide().push(encodeFrame(FrameType.FILE_END))
    expect(frame).toMatchObject({ type: FrameType.FILE_END })
    expect((frame as { payload: Buffer }).payload.length).toBe(0)
  })
})
