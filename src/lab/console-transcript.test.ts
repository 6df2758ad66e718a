import { describe, expect, it } from 'vitest'
import { ConsoleTranscript } from './console-transcript.js'

const wait = { signal: AbortSignal.timeout(5_000), promptSettleMs: 20, quietMs: 200 }

describe('a console read one answer at a time', () => {
  it('takes a prompt after the answer as the end of it, not a line cut in two', async () => {
    const console = new ConsoleTranscript()
    const answer = console.next(wait)
    console.push('Server: hel')
    // Text after the last newline only counts once nothing more comes: here the rest of the line comes.
    setImmediate(() => console.push('lo ACK\nYou: '))
    expect(await answer).toEqual({ text: 'Server: hello ACK\nYou: ', ended: false })
    console.push('Server: status\nYou: ')
    expect(await console.next(wait)).toEqual({ text: 'Server: status\nYou: ', ended: false })
  })

  it('gives what was printed up to the end at once when the program ends', async () => {
    const console = new ConsoleTranscript()
    const answer = console.next({ ...wait, quietMs: 60_000 })
    console.push('Disconnected from server.\n')
    console.end()
    expect(await answer).toEqual({ text: 'Disconnected from server.\n', ended: true })
  })

  it('stops waiting when its signal is aborted', async () => {
    const console = new ConsoleTranscript()
    const stop = new AbortController()
    const answer = console.next({ signal: stop.signal })
    stop.abort(new Error('the lab is going down'))
    await expect(answer).rejects.toThrow('the lab is going down')
  })
})
