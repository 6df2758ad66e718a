import { describe, expect, it } from 'vitest'
import { describeLink, linkSpec, parseLinkText } from './link-spec.js'

const link = (text: string) => parseLinkText(text, 'spec').link

describe('link specs', () => {
  it('applies top-level conditions each way, and a direction overrides its kind', () => {
    const l = link('{ latency: 100ms, jitter: 10ms, bandwidth: 1MB/s, down: { bandwidth: 64KiB/s, slicer: { size: 100, delay: 5ms } } }')
    expect(l.up).toEqual([
      { kind: 'latency', ms: 100, jitterMs: 10 },
      { kind: 'bandwidth', bytesPerSecond: 1e6 },
    ])
    expect(l.down).toEqual([
      { kind: 'latency', ms: 100, jitterMs: 10 },
      { kind: 'bandwidth', bytesPerSecond: 65536 },
      { kind: 'slicer', size: 100, variation: 0, delayMs: 5 },
    ])
    expect(describeLink(l)).toBe('down: latency 100 ms ± 10 ms, bandwidth 65.54 kB/s, slicer 100 B, 5 ms apart; up: latency 100 ms ± 10 ms, bandwidth 1 MB/s')
  })

  it('round-trips through the spec a control line carries', () => {
    const l = link('{ blackhole: true, up: { limit_data: 1MiB, slow_close: 2s }, down: { bandwidth: 10Mbit/s } }')
    expect(link(JSON.stringify(linkSpec(l)))).toEqual(l)
  })

  it.each([
    ['{ latency: soon }', 'spec:1: latency: expected a duration such as 500ms, 10s or 2m, got "soon"'],
    ['{ jitter: 5ms }', 'expected `jitter` beside a `latency`'],
    ['{ latency: 5ms, jitter: 10ms }', 'expected a jitter no larger than the latency (5 ms)'],
    ['{ bandwith: 1MB/s }', 'did you mean bandwidth?'],
    ['{ bandwidth: fast }', 'expected a rate such as 64KiB/s, 1MB/s or 10Mbit/s'],
    ['{ slicer: { size: 10, variation: 10 } }', 'expected a variation smaller than the size (10)'],
    ['{ blackhole: false }', 'expected true (drop every byte)'],
    ['{ down: { up: { latency: 1ms } } }', 'spec:1: down.up: expected one of'],
  ])('refuses %s', (text, message) => {
    expect(() => link(text)).toThrow(message)
  })
})
