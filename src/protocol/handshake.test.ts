import { describe, expect, it } from 'vitest'
import { HELLO, HELLO_ECHO, classifyOpening } from './handshake.js'

describe('classifyOpening', () => {
  it('recognises HELLO, alone or followed by frames', () => {
    expect(classifyOpening(HELLO)).toBe('framed')
    expect(classifyOpening(Buffer.concat([HELLO, Buffer.from([1, 0, 0, 0, 0])]))).toBe('framed')
  })

  it('waits on every proper prefix of HELLO', () => {
    for (let length = 1; length < HELLO.length; length += 1) {
      expect(classifyOpening(HELLO.subarray(0, length))).toBe('undecided')
    }
  })

  it('takes anything else as compatible mode at once', () => {
    for (const text of ['hello', 'status', 'S', 'SOCKLAB/1\n', 'get x', '\u0001']) {
      expect(classifyOpening(Buffer.from(text))).toBe('compat')
    }
  })

  it('is valid UTF-8, so the original server decodes it and echoes it with ACK', () => {
    expect(Buffer.from(HELLO.toString('utf8'), 'utf8').equals(HELLO)).toBe(true)
    expect(HELLO_ECHO.toString('utf8')).toBe(`${HELLO.toString('utf8')} ACK`)
  })
})
