import { describe, expect, it } from 'vitest'
import { demoVerdict, type DemoEvent } from './demo-verdict.js'

const clients = (...codes: Array<number | null>) => codes.map((code, i) => ({ label: `client${i + 1}`, code }))

describe('the demo verdict', () => {
  it('passes three served and one turned away, and names the one', () => {
    expect(demoVerdict(clients(0, 3, 0, 0), [])).toEqual({ ok: true, text: 'Demo finished: 3 clients served, 1 told the server is full (client2).' })
  })

  it('names who left before the fourth came when all four were served', () => {
    const events: DemoEvent[] = [
      { event: 'client_connected', client: 'Client01' },
      { event: 'client_connected', client: 'Client02' },
      { event: 'client_connected', client: 'Client03' },
      { event: 'client_disconnected', client: 'Client01' },
      { event: 'client_connected', client: 'Client04' },
    ]
    expect(demoVerdict(clients(0, 0, 0, 0), events).text).toBe('Demo did not go as expected: Client01 left before the fourth client connected, so all 4 were served.')
    expect(demoVerdict(clients(0, 0, 0, 0), []).ok).toBe(false)
  })

  it('says which client ended otherwise, and what its exit code means', () => {
    expect(demoVerdict(clients(0, 0, 6, 3), []).text).toBe('Demo did not go as expected: client3 exited with code 6 (saved no file for its get).')
    expect(demoVerdict(clients(0, null, 0, 3), []).text).toBe('Demo did not go as expected: client2 was stopped before it ended.')
  })

  it('says when more than one was turned away', () => {
    expect(demoVerdict(clients(0, 3, 3, 0), []).text).toBe('Demo did not go as expected: 2 clients were turned away: the server admitted only 2 at once.')
  })
})
