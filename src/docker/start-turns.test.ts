import { describe, expect, it } from 'vitest'
import { StartTurns } from './start-turns.js'

/** A task that runs until released, noting how many ran at once. */
function gate(counter: { now: number; most: number }) {
  let release!: () => void
  const released = new Promise<void>((resolve) => (release = resolve))
  const task = async () => {
    counter.now += 1
    counter.most = Math.max(counter.most, counter.now)
    await released
    counter.now -= 1
  }
  return { task, release }
}

/** Lets every promise that can settle do so. */
const settled = () => new Promise((resolve) => setImmediate(resolve))

describe('start turns', () => {
  it('runs at most `size` tasks at once, each in the order asked, and every one in the end', async () => {
    const turns = new StartTurns(3)
    const counter = { now: 0, most: 0 }
    const gates = Array.from({ length: 10 }, () => gate(counter))
    const order: number[] = []
    const runs = gates.map((g, i) => turns.run(async () => (order.push(i), g.task())))
    await settled()
    expect(order).toEqual([0, 1, 2])
    for (const g of gates) {
      g.release()
      await settled()
    }
    await Promise.all(runs)
    expect(counter.most).toBe(3)
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  })

  it('gives the turn on when a task fails, and a task given up while waiting never runs', async () => {
    const turns = new StartTurns(1)
    const counter = { now: 0, most: 0 }
    const first = gate(counter)
    const running = turns.run(first.task)
    const failing = turns.run(() => Promise.reject(new Error('no such image')))
    const abort = new AbortController()
    let ran = false
    const givenUp = turns.run(async () => void (ran = true), abort.signal)
    abort.abort(new Error('interrupted'))
    await expect(givenUp).rejects.toThrow('interrupted')
    first.release()
    await running
    await expect(failing).rejects.toThrow('no such image')
    await expect(turns.run(async () => 'after')).resolves.toBe('after')
    expect(ran).toBe(false)
  })

  it('refuses a size that is not a whole number of at least 1', () => {
    expect(() => new StartTurns(0)).toThrow(RangeError)
    expect(() => new StartTurns(1.5)).toThrow(RangeError)
  })
})
