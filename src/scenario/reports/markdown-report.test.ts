import { describe, expect, it } from 'vitest'
import type { ScenarioResult, StepResult } from '../scenario-result.js'
import { markdownReport } from './markdown-report.js'

const T0 = Date.parse('2026-11-24T10:00:00.000Z')
const step = (label: string, line: number, extra: Partial<StepResult> = {}): StepResult => ({ label, line, verdict: 'passed', durationMs: 5, ...extra })
const event = (ms: number, name: string, msg: string) => JSON.stringify({ time: new Date(T0 + ms).toISOString(), event: name, msg })
const STATUS = "Client01: ('10.0.0.5', 40000) - Connected at 2026-11-24 10:00:00.000001\nClient02: ('10.0.0.6', 40001) - Connected at 2026-11-24 10:00:00.000002"

const result: ScenarioResult = {
  name: 'demo',
  description: 'A demo',
  file: 'scenarios/demo.yaml',
  target: 'local',
  verdict: 'failed',
  durationMs: 1234,
  steps: [
    step('connect a', 3),
    step('get a: big.bin', 4, { children: [step('disconnect b (reset)', 6), step('wait client_disconnected', 7)] }),
    step('send a: status', 8, { verdict: 'failed', reason: 'unexpected reply', expected: 'contains Client03', actual: STATUS }),
    step('send a: never run', 9, { verdict: 'skipped', reason: 'not run: an earlier step failed' }),
  ],
  messages: [
    { from: 'a', to: 'server', text: 'connect', atMs: T0 + 1 },
    { from: 'server', to: 'a', text: 'welcome, Client01', atMs: T0 + 3 },
    { from: 'a', to: 'server', text: 'status', atMs: T0 + 10 },
    { from: 'server', to: 'a', text: STATUS, atMs: T0 + 11 },
  ],
  serverLog: [
    event(2, 'client_connected', "Client01 connected from ('10.0.0.5', 40000)"),
    event(10, 'command', 'Client01: status'),
    event(20, 'client_disconnected', 'Client01 disconnected.'),
  ],
  artifacts: [],
}

describe('markdownReport', () => {
  const md = markdownReport([result])

  it('puts each failure and its reason up front, with the step, line, expected and actual', () => {
    expect(md).toContain('## Failures\n\n- **[demo](#demo)**: line 8: send a: status: unexpected reply (expected contains Client03, got Client01:')
    expect(md).toMatch(/\| \[demo\]\(#demo\) \| ❌ failed \| 1\.23 s \| 6 \| line 8: send a: status: unexpected reply/)
  })

  it('counts every step, those run during another too, as the table lists them', () => {
    const rows = md.split('\n').filter((line) => /^\| \d+ \| /.test(line))
    expect(rows).toHaveLength(6)
    expect(rows[2]).toMatch(/^\| 3 \| ↳ disconnect b \(reset\) \| 6 \|/)
  })

  it('shows a multi-line value as lines, never a literal <br> inside a code span', () => {
    expect(md).toContain("actual: <code>Client01: ('10.0.0.5', 40000) - Connected at 2026-11-24 10:00:00.000001<br>Client02:")
    expect(md).not.toMatch(/`[^`\n]*<br>[^`\n]*`/)
  })

  it('draws every reply whole, colons kept, and the server events as notes in the order they happened', () => {
    const diagram = md.slice(md.indexOf('```mermaid'), md.indexOf('```', md.indexOf('```mermaid') + 3))
    expect(diagram.split('\n').slice(1)).toEqual([
      'sequenceDiagram',
      '    participant server as server',
      '    participant p1 as a',
      '    p1->>server: connect',
      "    Note over server: client_connected: Client01 connected from ('10.0.0.5', 40000)",
      '    server-->>p1: welcome, Client01',
      '    p1->>server: status',
      "    server-->>p1: Client01: ('10.0.0.5', 40000) - Connected at 2026-11-24 10:00:00.000001<br/>Client02: ('10.0.0.6', 40001) - Connected at 2026-11-24 10:00:00.000002",
      '    Note over server: client_disconnected: Client01 disconnected.',
      '',
    ])
  })

  it('writes what mermaid reserves as entity codes instead of dropping it', () => {
    const odd = markdownReport([{ ...result, messages: [{ from: 'end', to: 'server', text: 'a;b #c <d> "e"', atMs: T0 }], serverLog: [] }])
    expect(odd).toContain('    participant p1 as end')
    expect(odd).toContain('    p1->>server: a#59;b #35;c #60;d#62; #34;e#34;')
  })
})
