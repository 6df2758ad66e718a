import { describe, expect, it } from 'vitest'
import { DEFAULT_SANDBOX } from '../docker/sandbox.js'
import { DEFAULT_WALL_TIME_MS, defaultParallel, gradeLimits } from './grade-config.js'

describe('grade limits', () => {
  it('defaults every limit, and the parallelism from the CPUs and memory', () => {
    const limits = gradeLimits({})
    expect(limits.sandbox).toEqual(DEFAULT_SANDBOX)
    expect(limits.wallTimeMs).toBe(DEFAULT_WALL_TIME_MS)
    expect(limits.parallel).toBe(defaultParallel(DEFAULT_SANDBOX.memory))
    expect(limits.parallel).toBeGreaterThanOrEqual(1)
    // Memory bounds it: at 1 TiB a submission, one at a time.
    expect(defaultParallel(1024 ** 4)).toBe(1)
  })

  it('reads sizes, counts and durations as the options give them', () => {
    expect(gradeLimits({ memory: '128MiB', cpus: 0.5, pids: 32, tmpfs: '4MiB', outputLimit: '64KiB', wallTime: '90s', parallel: 3 })).toEqual({
      sandbox: { memory: 128 * 1024 ** 2, cpus: 0.5, pids: 32, tmpfs: 4 * 1024 ** 2, output: 64 * 1024 },
      wallTimeMs: 90_000,
      parallel: 3,
    })
  })

  it.each([
    [{ memory: 'lots' }, '--memory takes a size such as 256MiB or 16MiB, not lots'],
    [{ memory: '1MiB' }, '--memory takes 16MiB or more'],
    [{ pids: 2.5 }, '--pids takes a whole number, 1 or more, not 2.5'],
    [{ cpus: 0 }, '--cpus takes a number above 0, not 0'],
    [{ wallTime: 'soon' }, '--wall-time takes a duration such as 10m or 90s, not soon'],
    [{ parallel: 0 }, '--parallel takes a whole number, 1 or more, not 0'],
    [{ outputLimit: '-1' }, '--output-limit takes a size'],
  ])('refuses %o with a clear error', (argv, message) => {
    expect(() => gradeLimits(argv)).toThrow(message)
  })
})
