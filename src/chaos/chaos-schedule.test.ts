import { describe, expect, it } from 'vitest'
import { compileSchedule } from './chaos-model.js'
import { drawSchedule, FAULT_KINDS, type ChaosSchedule } from './chaos-schedule.js'
import { SeededRandom } from './seeded-random.js'

const options = { durationMs: 20_000, clients: 5, faults: FAULT_KINDS, maxClients: 3 }

describe('a chaos schedule, drawn from its seed alone', () => {
  it('draws the same numbers from the same seed, and others from another', () => {
    const draw = (seed: number) => Array.from({ length: 5 }, ((r) => () => r.int(0, 1000))(new SeededRandom(seed)))
    expect(draw(42)).toEqual(draw(42))
    expect(draw(42)).not.toEqual(draw(43))
    // Pinned to mulberry32 (its first two of seed 1 are 0.627… and 0.0027…): a seed means the same schedule on every machine and in every later version.
    expect(draw(1)).toEqual([627, 2, 527, 982, 969])
  })

  it('is the same schedule for the same seed, and holds every kind of operation and fault over a few seeds', () => {
    expect(drawSchedule({ seed: 9, ...options })).toEqual(drawSchedule({ seed: 9, ...options }))
    expect(drawSchedule({ seed: 9, ...options })).not.toEqual(drawSchedule({ seed: 10, ...options }))
    const kinds = new Set<string>()
    for (let seed = 1; seed <= 8; seed += 1) {
      for (const op of drawSchedule({ seed, ...options }).ops) kinds.add(op.op === 'leave' ? `leave ${op.how}` : op.op === 'link' ? `link ${op.fault}` : op.op)
    }
    expect([...kinds].sort()).toEqual(['blackhole', 'close-mid-get', 'connect', 'echo', 'get', 'leave close', 'leave exit', 'leave kill', 'leave reset', 'link bandwidth', 'link clear', 'link jitter', 'link latency', 'link slicer', 'link slow-close', 'list', 'reset-mid-get', 'reset-on-reply', 'restart', 'status', 'unstall'])
  })

  it('draws only the faults it is given', () => {
    const ops = drawSchedule({ seed: 3, ...options, faults: ['reset'] }).ops
    expect(ops.filter((op) => op.op === 'link' || op.op === 'restart' || op.op === 'reset-mid-get' || op.op === 'close-mid-get' || op.op === 'reset-on-reply' || op.op === 'blackhole')).toEqual([])
    expect(new Set(ops.flatMap((op) => (op.op === 'leave' ? [op.how] : [])))).toEqual(new Set(['exit', 'reset']))
  })
})

describe("the model's expectations", () => {
  const schedule = (ops: ChaosSchedule['ops']): ChaosSchedule => ({ seed: 1, clients: ['a', 'b', 'c', 'd'], files: [{ name: 'x.bin', size: 10 }], maxClients: 2, ops, final: false })
  const steps = (s: ChaosSchedule, socklab = true) => compileSchedule(s, { socklab, shipped: ['hello.txt'] }).steps.map((c) => [c.rule, c.step])

  it('resets a client as its reply crosses the link (a regex on the stream), takes either outcome, and expects it logged gone', () => {
    const compiled = steps(schedule([
      { gapMs: 0, op: 'connect', client: 'a' },
      { gapMs: 0, op: 'reset-on-reply', client: 'a', command: 'echo', text: 'ping?' },
      { gapMs: 0, op: 'connect', client: 'b' },
      { gapMs: 0, op: 'reset-on-reply', client: 'b', command: 'status', text: 'x' },
    ]))
    expect(compiled).toEqual([
      ['admits', { connect: { client: 'a', as: 'Client01' } }],
      ['link', { link: { client: 'a', reset: true, when: { match: 'ping\\? ACK', direction: 'down' } } }],
      ['reset-reply', { send: { client: 'a', command: 'ping?' } }],
      ['gone', { expect_events: { event: 'client_disconnected', where: { client: 'Client01', reason: 'reset' }, count: 1 } }],
      ['admits', { connect: { client: 'b', as: 'Client02' } }],
      ['link', { link: { client: 'b', reset: true, when: { match: ' - Connected at ', direction: 'down' } } }],
      ['reset-reply', { send: { client: 'b', command: 'status' } }],
      ['gone', { expect_events: { event: 'client_disconnected', where: { client: 'Client02', reason: 'reset' }, count: 1 } }],
    ])
  })

  it('closes a link mid-get after its bytes (limit_data), and sets latency with jitter and a slow close as link conditions', () => {
    const compiled = steps(schedule([
      { gapMs: 0, op: 'connect', client: 'a' },
      { gapMs: 0, op: 'link', client: 'a', fault: 'jitter', value: 20, jitter: 5 },
      { gapMs: 0, op: 'link', client: 'a', fault: 'slow-close', value: 300 },
      { gapMs: 0, op: 'close-mid-get', client: 'a', file: 'x.bin', after: 4 },
    ]))
    expect(compiled.slice(1)).toEqual([
      ['link', { link: { client: 'a', latency: '20ms', jitter: '5ms' } }],
      ['link', { link: { client: 'a', slow_close: '300ms' } }],
      ['link', { link: { client: 'a', down: { limit_data: 4 } } }],
      ['reset-get', { get: { client: 'a', file: 'x.bin', error: 'SOCKLAB_CONNECTION_LOST', timeout: '30s' } }],
      ['link', { link: { client: 'a', clear: true } }],
      // The server may see an end of stream or a reset: any reason counts.
      ['gone', { expect_events: { event: 'client_disconnected', where: { client: 'Client01' }, count: 1 } }],
    ])
  })

  it('black-holes a client while the others go on, and resets its link to end it: at its unstall, before a restart, or after the run', () => {
    const { final: _, ...whole } = schedule([
      { gapMs: 0, op: 'connect', client: 'a' },
      { gapMs: 0, op: 'blackhole', client: 'a' },
      // Nothing of a black-holed client's is run; the others are.
      { gapMs: 0, op: 'echo', client: 'a', text: 'x' },
      { gapMs: 0, op: 'connect', client: 'b' },
      { gapMs: 0, op: 'unstall', client: 'a' },
      { gapMs: 0, op: 'blackhole', client: 'b' },
      { gapMs: 0, op: 'restart' },
      { gapMs: 0, op: 'connect', client: 'c' },
      { gapMs: 0, op: 'blackhole', client: 'c' },
    ])
    const compiled = steps(whole)
    const gone = (name: string, count = 1) => ['gone', { expect_events: { event: 'client_disconnected', where: { client: name, reason: 'reset' }, count } }]
    expect(compiled.slice(0, 13)).toEqual([
      ['admits', { connect: { client: 'a', as: 'Client01' } }],
      ['link', { link: { client: 'a', blackhole: true } }],
      ['admits', { connect: { client: 'b', as: 'Client02' } }],
      ['gone', { link: { client: 'a', reset: true } }],
      // Its next connection starts with no black hole.
      ['gone', { link: { client: 'a', clear: true } }],
      gone('Client01'),
      ['link', { link: { client: 'b', blackhole: true } }],
      ['restart', { link: { client: 'b', reset: true } }],
      ['restart', { link: { client: 'b', clear: true } }],
      gone('Client02'),
      ['restart', { server: 'stop' }],
      ['restart', { server: 'start' }],
      ['restart', { expect_events: { event: 'listening', count: 2 } }],
    ])
    expect(compiled.slice(13, 18)).toEqual([
      ['admits', { connect: { client: 'c', as: 'Client01' } }],
      ['link', { link: { client: 'c', blackhole: true } }],
      ['final', { link: { client: 'c', reset: true } }],
      ['final', { link: { client: 'c', clear: true } }],
      // The name is given anew after the restart: its second reset.
      gone('Client01', 2),
    ])
  })

  it("checks the server's usage after the run against its start, measured anew after a restart", () => {
    const { final: _, ...s } = schedule([{ gapMs: 0, op: 'connect', client: 'a' }, { gapMs: 0, op: 'restart' }])
    const compiled = compileSchedule(s, { socklab: true, shipped: [], usage: { descriptors: 4, memory: 96 * 1024 * 1024 } }).steps.map((c) => [c.rule, c.step])
    expect(compiled[0]).toEqual(['usage', { expect_usage: 'baseline' }])
    expect(compiled.filter(([rule]) => rule === 'usage').map(([, step]) => step)).toEqual([
      { expect_usage: 'baseline' },
      { expect_usage: 'baseline' },
      { disconnect: { client: 'fresh1', how: 'exit' } },
      { disconnect: { client: 'fresh2', how: 'exit' } },
      { expect_usage: { descriptors: 4, memory: '96MiB' }, retry: { until: '5s', every: '250ms' } },
    ])
  })

  it('admits up to max-clients under names in order, turns the next away, and names anew after a restart', () => {
    const compiled = steps(schedule([
      { gapMs: 0, op: 'connect', client: 'a' },
      { gapMs: 0, op: 'connect', client: 'b' },
      { gapMs: 0, op: 'connect', client: 'c' },
      { gapMs: 0, op: 'leave', client: 'a', how: 'reset' },
      { gapMs: 5, op: 'connect', client: 'd' },
      { gapMs: 0, op: 'restart' },
      { gapMs: 0, op: 'connect', client: 'a' },
    ]))
    expect(compiled).toEqual([
      ['admits', { connect: { client: 'a', as: 'Client01' } }],
      ['admits', { connect: { client: 'b', as: 'Client02' } }],
      ['full', { connect: { client: 'c', expect: 'rejected' } }],
      ['gone', { disconnect: { client: 'a', how: 'reset' } }],
      ['gone', { expect_events: { event: 'client_disconnected', where: { client: 'Client01', reason: 'reset' }, count: 1 } }],
      ['gap', { sleep: '5ms' }],
      ['admits', { connect: { client: 'd', as: 'Client03' } }],
      ['restart', { server: 'stop' }],
      ['restart', { server: 'start' }],
      ['restart', { expect_events: { event: 'listening', count: 2 } }],
      ['admits', { connect: { client: 'a', as: 'Client01' } }],
    ])
  })

  it('answers echo, status and list as the assignment does, and drops what a client not connected would do', () => {
    const compiled = compileSchedule(schedule([
      { gapMs: 0, op: 'connect', client: 'a' },
      { gapMs: 0, op: 'echo', client: 'b', text: 'dropped' },
      { gapMs: 0, op: 'echo', client: 'a', text: 'hello lab' },
      { gapMs: 0, op: 'status', client: 'a' },
      { gapMs: 0, op: 'list', client: 'a' },
    ]), { socklab: true, shipped: ['hello.txt'] })
    expect(compiled.dropped).toEqual([1])
    const [, echo, status, list] = compiled.steps.map((c) => c.step as { send: { reply: string | { regex: string } } })
    expect(echo!.send.reply).toBe('hello lab ACK')
    const statusRegex = new RegExp((status!.send.reply as { regex: string }).regex)
    expect(statusRegex.test("Client01: ('10.0.0.2', 40000) - Connected at 2026-12-07 10:00:00")).toBe(true)
    expect(statusRegex.test("Client01: ('10.0.0.2', 40000) - Connected at 2026-12-07 10:00:00\nClient02: ('10.0.0.3', 40001) - Connected at 2026-12-07 10:00:01")).toBe(false)
    const listRegex = new RegExp((list!.send.reply as { regex: string }).regex)
    expect(['hello.txt\nx.bin', 'x.bin\nhello.txt'].map((r) => listRegex.test(r))).toEqual([true, true])
    expect(['hello.txt', 'hello.txt\nx.bin\nother', 'hello.txt\ny.bin'].map((r) => listRegex.test(r))).toEqual([false, false, false])
  })

  it("counts a name's events of every reason once a client of that name was killed (its event says eof or reset)", () => {
    const compiled = steps(schedule([
      { gapMs: 0, op: 'connect', client: 'a' },
      { gapMs: 0, op: 'leave', client: 'a', how: 'kill' },
      { gapMs: 0, op: 'restart' },
      { gapMs: 0, op: 'connect', client: 'b' },
      { gapMs: 0, op: 'leave', client: 'b', how: 'close' },
      { gapMs: 0, op: 'connect', client: 'c' },
      { gapMs: 0, op: 'leave', client: 'c', how: 'exit' },
    ]))
    expect(compiled.filter(([, step]) => typeof step === 'object' && 'expect_events' in step).map(([, step]) => step)).toEqual([
      { expect_events: { event: 'client_disconnected', where: { client: 'Client01' }, count: 1 } },
      { expect_events: { event: 'listening', count: 2 } },
      { expect_events: { event: 'client_disconnected', where: { client: 'Client01' }, count: 2 } },
      { expect_events: { event: 'client_disconnected', where: { client: 'Client02', reason: 'exit' }, count: 1 } },
    ])
  })

  it("gives a server that does not log a lost client the documented slack: the next connect and status are tried again for 3 s", () => {
    const compiled = steps(schedule([
      { gapMs: 0, op: 'connect', client: 'a' },
      { gapMs: 0, op: 'connect', client: 'b' },
      { gapMs: 0, op: 'leave', client: 'a', how: 'kill' },
      { gapMs: 0, op: 'connect', client: 'c' },
      { gapMs: 0, op: 'status', client: 'c' },
      { gapMs: 0, op: 'leave', client: 'b', how: 'exit' },
    ]), false)
    expect(compiled.slice(2)).toEqual([
      ['gone', { disconnect: { client: 'a', how: 'kill' } }],
      ['admits', { connect: { client: 'c', as: 'Client03' }, retry: { until: '3s', every: '100ms' } }],
      ['status', { send: { client: 'c', command: 'status', reply: { regex: expect.stringContaining('^Client02: ') } }, retry: { until: '3s', every: '100ms' } }],
      ['gone', { disconnect: { client: 'b', how: 'exit' } }],
      ['gone', { expect_events: { event: 'client_disconnected', where: { client: 'Client02' }, count: 1 } }],
    ])
  })
})
