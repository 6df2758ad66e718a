import { describe, expect, it } from 'vitest'
import { JsonLineReader } from './json-lines.js'

describe('JsonLineReader', () => {
  it('gives the same lines whatever the chunking, JSON parsed where it is', () => {
    const text = '{"event":"listening","port":1}\nnot json\n\n{"type":"reply"}\n{"half'
    for (let cut = 0; cut <= text.length; cut += 1) {
      const reader = new JsonLineReader()
      const lines = [...reader.push(text.slice(0, cut)), ...reader.push(text.slice(cut))]
      expect(lines).toEqual([
        { line: '{"event":"listening","port":1}', value: { event: 'listening', port: 1 } },
        { line: 'not json', value: undefined },
        { line: '{"type":"reply"}', value: { type: 'reply' } },
      ])
      expect(reader.end()).toEqual([{ line: '{"half', value: undefined }])
    }
  })
})
