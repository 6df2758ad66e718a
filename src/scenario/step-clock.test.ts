import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { clockSignal, outsideStepTime, StepClock } from './step-clock.js'

/** A promise its test settles when it likes, with the fake clock moved on by then. */
function later<T>(value: T): { promise: Promise<T>; settle: () => void } {
  let settle!: () => void
  const promise = new Promise<T>((resolve) => (settle = () => resolve(value)))
  return { promise, settle }
}

describe('a step clock', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('times out after its timeout, with a TimeoutError', () => {
    const clock = new StepClock(1_000)
    vi.advanceTimersByTime(999)
    expect(clock.timedOut).toBe(false)
    vi.advanceTimersByTime(1)
    expect(clock.timedOut).toBe(true)
    expect((clock.signal.reason as Error).name).toBe('TimeoutError')
    expect(clock.setupMs).toBe(0)
  })

  it('stands still while setup runs, and goes on from where it was afterwards', async () => {
    const clock = new StepClock(1_000)
    vi.advanceTimersByTime(600)
    const setup = later('started')
    const waited = clock.outside(setup.promise)
    vi.advanceTimersByTime(5_000)
    expect(clock.timedOut).toBe(false)
    setup.settle()
    expect(await waited).toBe('started')
    expect(clock.setupMs).toBe(5_000)
    vi.advanceTimersByTime(399)
    expect(clock.timedOut).toBe(false)
    vi.advanceTimersByTime(1)
    expect(clock.timedOut).toBe(true)
  })

  it('stays stopped until the last of several setups at once has ended', async () => {
    const clock = new StepClock(1_000)
    const first = later(1)
    const second = later(2)
    const both = [clock.outside(first.promise), clock.outside(second.promise)]
    vi.advanceTimersByTime(2_000)
    first.settle()
    await both[0]
    vi.advanceTimersByTime(2_000)
    expect(clock.timedOut).toBe(false)
    second.settle()
    await both[1]
    vi.advanceTimersByTime(1_000)
    expect(clock.timedOut).toBe(true)
    expect(clock.setupMs).toBe(4_000)
  })

  it('is found from the signal of its step; a signal of no step counts everything', async () => {
    const clock = new StepClock(1_000)
    const signal = clockSignal(clock, AbortSignal.any([clock.signal]))
    const setup = later('ok')
    const waited = outsideStepTime(signal, setup.promise)
    vi.advanceTimersByTime(3_000)
    expect(signal.aborted).toBe(false)
    setup.settle()
    await waited
    expect(await outsideStepTime(new AbortController().signal, Promise.resolve('plain'))).toBe('plain')
    vi.advanceTimersByTime(1_000)
    expect(signal.aborted).toBe(true)
  })
})
