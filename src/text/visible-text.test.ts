import { describe, expect, it } from 'vitest'
import { logText, terminalText } from './visible-text.js'

describe('terminalText', () => {
  it('shows escape sequences, carriage returns and bidi overrides as visible escapes', () => {
    expect(terminalText('\u001b[2J\u001b]0;title\u0007You: ')).toBe('\\x1b[2J\\x1b]0;title\\x07You: ')
    expect(terminalText('done\rYou: ')).toBe('done\\x0dYou: ')
    expect(terminalText('\u009b31m \u202eevil')).toBe('\\x9b31m \\u202eevil')
  })

  it('keeps newlines, tabs and ordinary text (any script) as they are', () => {
    expect(terminalText('Client01\tconnected\nClient02 ✓ Grüße 你好')).toBe('Client01\tconnected\nClient02 ✓ Grüße 你好')
  })
})

describe('logText', () => {
  it('escapes newlines and tabs too: one event, one line', () => {
    expect(logText("hi\n12:00:00 INFO: client_connected: Client09 connected from ('6.6.6.6', 1)")).toBe(
      "hi\\x0a12:00:00 INFO: client_connected: Client09 connected from ('6.6.6.6', 1)",
    )
    expect(logText('a\tb\r\u2028c')).toBe('a\\x09b\\x0d\\u2028c')
  })
})
