import { describe, expect, it } from 'vitest'
import { terminalText } from './terminal-text.js'

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
