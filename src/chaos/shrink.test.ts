import { describe, expect, it } from 'vitest'
import type { ChaosSchedule } from './chaos-schedule.js'
import { shrinkSchedule } from './shrink.js'

/** A stand-in for a broken server, as a rule over the schedule: a reset of c2 and, after it, three connects. */
const leaks = (s: ChaosSchedule) => {
  const reset = s.ops.findIndex((op) => op.op === 'leave' && op.client === 'c2' && op.how === 'reset')
  return reset >= 0 && s.ops.slice(reset + 1).filter((op) => op.op === 'connect').length >= 3
}

describe('shrinking a failing schedule', () => {
  const long: ChaosSchedule = {
    seed: 5,
    clients: ['c1', 'c2', 'c3', 'c4', 'c5'],
    files: [{ name: 'a.bin', size: 4096 }, { name: 'b.bin', size: 1_000_000 }],
    maxClients: 3,
    ops: [
      ...Array.from({ length: 20 }, (_, i) => ({ gapMs: 10, op: 'echo' as const, client: 'c1', text: `t${i}` })),
      { gapMs: 50, op: 'connect', client: 'c2' },
      { gapMs: 0, op: 'get', client: 'c5', file: 'a.bin' },
      { gapMs: 0, op: 'leave', client: 'c2', how: 'reset' },
      ...Array.from({ length: 10 }, () => ({ gapMs: 0, op: 'status' as const, client: 'c4' })),
      { gapMs: 0, op: 'connect', client: 'c3' },
      { gapMs: 0, op: 'connect', client: 'c4' },
      { gapMs: 30, op: 'connect', client: 'c1' },
      ...Array.from({ length: 15 }, () => ({ gapMs: 0, op: 'list' as const, client: 'c1' })),
    ],
  }

  it('finds the few operations that still fail, without gaps, and only the clients and files they use', async () => {
    let runs = 0
    const shrunk = await shrinkSchedule(long, async (candidate) => (runs += 1, leaks(candidate)), 100, 35)
    expect(shrunk.schedule.ops).toEqual([
      { gapMs: 0, op: 'leave', client: 'c2', how: 'reset' },
      { gapMs: 0, op: 'connect', client: 'c3' },
      { gapMs: 0, op: 'connect', client: 'c4' },
      { gapMs: 0, op: 'connect', client: 'c1' },
    ])
    expect(shrunk.schedule.clients).toEqual(['c1', 'c2', 'c3', 'c4'])
    expect(shrunk.schedule.final).toBe(false)
    expect(shrunk.runs).toBe(runs)
    expect(runs).toBeLessThan(60)
  })

  it('stops at its budget with the smallest failing schedule found so far', async () => {
    const shrunk = await shrinkSchedule(long, async (candidate) => leaks(candidate), 3)
    expect(shrunk.runs).toBe(3)
    expect(leaks(shrunk.schedule)).toBe(true)
    expect(shrunk.schedule.ops.length).toBeLessThan(long.ops.length)
  })
})
