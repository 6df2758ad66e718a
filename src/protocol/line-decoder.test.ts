import { describe, expect, it } from 'vitest'
import { LineDecoder, type LineDecodeResult } from './line-decoder.js'
import { WireError } from './wire-error-code.js'

const simplify = (items: LineDecodeResult[]) =>
  items.map((item) => (item instanceof WireError ? item.code : `${item.terminated ? 'L' : 'B'}:${item.text}`))

describe('LineDecoder', () => {
  const wire = Buffer.from('hello\r\nstatus\nget ünï.txt\r\n\nlist\n', 'utf8')
  const expected = ['L:hello', 'L:status', 'L:get ünï.txt', 'L:', 'L:list']

  it('splits lines ending in \\n or \\r\\n, several in one chunk', () => {
    expect(simplify(new LineDecoder({ maxCommandLength: 100 }).push(wire))).toEqual(expected)
  })

  it('gives the same lines for the stream split at every byte offset', () => {
    for (let cut = 0; cut <= wire.length; cut += 1) {
      const decoder = new LineDecoder({ maxCommandLength: 100 })
      const items = [...decoder.push(wire.subarray(0, cut)), ...decoder.push(wire.subarray(cut))]
      expect(simplify(items), `cut at ${cut}`).toEqual(expected)
    }
  })

  it('holds a bare command until flush, as the original client sends them', () => {
    const decoder = new LineDecoder({ maxCommandLength: 100 })
    expect(decoder.push(Buffer.from('hel'))).toEqual([])
    expect(decoder.push(Buffer.from('lo'))).toEqual([])
    expect(decoder.pending).toBe(5)
    expect(simplify(decoder.flush())).toEqual(['B:hello'])
    expect(decoder.flush()).toEqual([])
  })

  it('keeps a multi-byte character split across chunks intact', () => {
    const bytes = Buffer.from('é\n', 'utf8')
    const decoder = new LineDecoder({ maxCommandLength: 100 })
    expect(simplify([...decoder.push(bytes.subarray(0, 1)), ...decoder.push(bytes.subarray(1))])).toEqual(['L:é'])
  })

  it('fails fatally as soon as an unterminated command outgrows the limit', () => {
    const decoder = new LineDecoder({ maxCommandLength: 10 })
    expect(decoder.push(Buffer.from('0123456789'))).toEqual([])
    const [error] = decoder.push(Buffer.from('ab'))
    expect((error as WireError).code).toBe('COMMAND_TOO_LONG')
    expect((error as WireError).fatal).toBe(true)
    expect(decoder.push(Buffer.from('status\n'))).toEqual([])
  })

  it('accepts a command exactly at the limit, with \\r\\n after it', () => {
    expect(simplify(new LineDecoder({ maxCommandLength: 5 }).push(Buffer.from('abcde\r\n')))).toEqual(['L:abcde'])
  })

  it('refuses a whole line that is too long', () => {
    const [error] = new LineDecoder({ maxCommandLength: 5 }).push(Buffer.from('abcdef\n'))
    expect((error as WireError).code).toBe('COMMAND_TOO_LONG')
  })

  it('answers invalid UTF-8 with a non-fatal error and goes on', () => {
    const decoder = new LineDecoder({ maxCommandLength: 100 })
    const items = decoder.push(Buffer.concat([Buffer.from([0xff, 0xfe, 0x0a]), Buffer.from('status\n')]))
    expect(simplify(items)).toEqual(['INVALID_UTF8', 'L:status'])
    expect((items[0] as WireError).fatal).toBe(false)
  })
})
