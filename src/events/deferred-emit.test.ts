import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildSync } from 'esbuild'
import { describe, expect, it, vi } from 'vitest'
import { BATCH_EVENTS, BATCH_MS, BUSY_WITHIN_MS, deferredEmit, eventTime } from './deferred-emit.js'

describe('deferredEmit', () => {
  it(`writes nothing in the middle of the work, then every event in order within ${BATCH_MS} ms, each with the time it happened`, async () => {
    const written: Array<[string, unknown, number]> = []
    let flushes = 0
    const log = deferredEmit(
      (event, payload) => void written.push([event, payload, eventTime()]),
      () => void (flushes += 1),
    )
    const before = Date.now()
    log.emit('shutdown', { signal: 'a', clients: 1 })
    log.emit('shutdown', { signal: 'b', clients: 2 })
    expect(written).toEqual([])
    await vi.waitFor(() => expect(written).toHaveLength(2), { timeout: 1_000, interval: 1 })
    expect(written.map(([, payload]) => (payload as { signal: string }).signal)).toEqual(['a', 'b'])
    for (const [, , at] of written) expect(at).toBeGreaterThanOrEqual(before)
    expect(flushes).toBe(1)
  })

  it(`on a busy log (events within ${BUSY_WITHIN_MS} ms of a write), waits up to ${BATCH_MS} ms to write events together, or writes ${BATCH_EVENTS} once their turn is over`, async () => {
    const written: number[] = []
    let flushes = 0
    // The log's sense of "busy" reads this clock; the batch timer is a real one.
    let clock = 0
    const log = deferredEmit(
      (_, payload) => void written.push((payload as { clients: number }).clients),
      () => void (flushes += 1),
      () => clock,
    )
    const turn = () => new Promise((resolve) => setImmediate(resolve))
    // Quiet: written as soon as the turn is over.
    log.emit('shutdown', { signal: 'x', clients: 0 })
    await turn()
    expect(written).toEqual([0])
    // Busy (just written): the next one waits for the timer…
    const queuedAt = performance.now()
    log.emit('shutdown', { signal: 'x', clients: 1 })
    await turn()
    expect(written).toEqual([0])
    await vi.waitFor(() => expect(written).toEqual([0, 1]), { timeout: 1_000, interval: 1 })
    expect(performance.now() - queuedAt).toBeGreaterThanOrEqual(BATCH_MS - 1)
    // …unless a full batch builds up: then it goes at the end of the turn that filled it.
    for (let i = 0; i < BATCH_EVENTS; i += 1) log.emit('shutdown', { signal: 'x', clients: 2 + i })
    expect(written).toHaveLength(2)
    await turn()
    expect(written).toEqual(Array.from({ length: BATCH_EVENTS + 2 }, (_, i) => i))
    // Quiet again once the last write is BUSY_WITHIN_MS old: at the end of the turn.
    clock += BUSY_WITHIN_MS
    await vi.waitFor(() => expect(flushes).toBe(4)) // the batch timer armed above has fired, with nothing left
    clock += BUSY_WITHIN_MS
    log.emit('shutdown', { signal: 'x', clients: BATCH_EVENTS + 2 })
    await turn()
    expect(written).toHaveLength(BATCH_EVENTS + 3)
    expect(flushes).toBe(5)
  })

  it.each([
    ['process.exit()', 'log.emit("shutdown", { signal: "last", clients: 0 }); process.exit(0)', 0],
    ['an uncaught exception', 'log.emit("shutdown", { signal: "last", clients: 0 }); throw new Error("boom")', 1],
  ])('loses nothing on %s: queued events are written by the exit handler', (_, ending, code) => {
    const dir = mkdtempSync(join(tmpdir(), 'socklab-deferred-'))
    try {
      const entry = join(dir, 'entry.ts')
      const module = fileURLToPath(new URL('./deferred-emit.ts', import.meta.url))
      writeFileSync(
        entry,
        `import { writeSync } from 'node:fs'
import { deferredEmit } from ${JSON.stringify(module)}
const log = deferredEmit((event, payload) => writeSync(1, JSON.stringify({ event, ...payload }) + '\\n'), () => undefined)
log.emit('listening', { host: 'h', port: 1, maxClients: 1, files: 'f' })
${ending}
`,
      )
      const bundle = join(dir, 'entry.mjs')
      buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'silent' })
      const run = spawnSync(process.execPath, [bundle], { encoding: 'utf8' })
      expect(run.status).toBe(code)
      expect(run.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { event: string }).event)).toEqual(['listening', 'shutdown'])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
