import { describe, expect, it } from 'vitest'
import { AFTER_MS, BEFORE_MS, failureWindow, packetEntry } from './failure-bundle.js'
import type { ScenarioResult } from './scenario-result.js'

const result = (steps: ScenarioResult['steps'], verdict: ScenarioResult['verdict'] = 'failed'): ScenarioResult => ({
  name: 's', description: '', file: 's.yaml', target: 'local', verdict, durationMs: 0, steps, messages: [], serverLog: [], artifacts: [],
})

describe('the failure bundle', () => {
  it("reaches from before the innermost failed step to after it; a passed run's is the whole run", () => {
    const steps: ScenarioResult['steps'] = [
      { label: 'connect a', line: 3, verdict: 'passed', durationMs: 50, startedAtMs: 10_000 },
      { label: 'parallel', line: 4, verdict: 'failed', durationMs: 900, startedAtMs: 20_000, children: [
        { label: 'send a: x', line: 5, verdict: 'passed', durationMs: 10, startedAtMs: 20_000 },
        { label: 'send b: y', line: 6, verdict: 'failed', durationMs: 300, startedAtMs: 20_500 },
      ] },
    ]
    expect(failureWindow(result(steps))).toEqual({ fromMs: 20_500 - BEFORE_MS, toMs: 20_800 + AFTER_MS })
    expect(failureWindow(result(steps, 'passed'))).toEqual({ fromMs: 10_000 - BEFORE_MS, toMs: 20_900 + AFTER_MS })
  })

  it("names the server's address as the server, and shows a framed payload's text behind its header", () => {
    const packet = { atMs: 1, from: '172.20.0.3:36634', to: '172.20.0.2:12345', flags: ['PSH', 'ACK'], seq: 0, payload: Buffer.from('\u0001\u0000\u0000\u0000\u0004ping'), length: 9 }
    expect(packetEntry(packet, '172.20.0.2:12345')).toEqual({ atMs: 1, from: '172.20.0.3:36634', to: 'server', text: 'PSH ACK 9 B ascii: .....ping' })
    expect(packetEntry({ ...packet, payload: Buffer.from('ping ACK\n'), length: 9 }, undefined).text).toBe('PSH ACK 9 B "ping ACK\\n"')
    expect(packetEntry({ ...packet, flags: ['SYN'], payload: Buffer.alloc(0), length: 0 }, undefined).text).toBe('SYN')
  })
})
