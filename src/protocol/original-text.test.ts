import { describe, expect, it } from 'vitest'
import { parseCommand } from './command.js'
import { echoReply, listReply, pythonAddress, pythonDateTime, statusLine } from './original-text.js'

describe('the original texts', () => {
  it("formats addresses as Python's repr of the socket address", () => {
    expect(pythonAddress('10.0.0.248', 60658)).toBe("('10.0.0.248', 60658)")
    expect(pythonAddress('::1', 5000)).toBe("('::1', 5000, 0, 0)")
  })

  it("formats times as Python's str(datetime), dropping zero microseconds", () => {
    const local = new Date(2025, 1, 7, 12, 23, 5)
    const micros = local.getTime() * 1000
    expect(pythonDateTime(micros + 808_313)).toBe('2025-02-07 12:23:05.808313')
    expect(pythonDateTime(micros + 5)).toBe('2025-02-07 12:23:05.000005')
    expect(pythonDateTime(micros)).toBe('2025-02-07 12:23:05')
  })

  it('builds the status line and the list and echo replies', () => {
    const micros = new Date(2025, 1, 7, 12, 23, 5).getTime() * 1000 + 808_313
    expect(statusLine('Client01', '10.0.0.248', 60658, micros)).toBe(
      "Client01: ('10.0.0.248', 60658) - Connected at 2025-02-07 12:23:05.808313",
    )
    expect(listReply([])).toBe('No files available.')
    expect(listReply(['a.txt', 'b.png'])).toBe('a.txt\nb.png')
    expect(echoReply('hello')).toBe('hello ACK')
  })
})

describe('parseCommand', () => {
  it('dispatches as the original did', () => {
    expect(parseCommand('exit')).toEqual({ kind: 'exit' })
    expect(parseCommand('status')).toEqual({ kind: 'status' })
    expect(parseCommand('list')).toEqual({ kind: 'list' })
    expect(parseCommand('get a b.txt ')).toEqual({ kind: 'get', name: 'a b.txt' })
    expect(parseCommand('get')).toEqual({ kind: 'echo', text: 'get' })
    expect(parseCommand('Exit')).toEqual({ kind: 'echo', text: 'Exit' })
    expect(parseCommand('status ')).toEqual({ kind: 'echo', text: 'status ' })
  })
})
