import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildSync } from 'esbuild'
import { describe, expect, it, vi } from 'vitest'
import { deferredEmit, eventTime } from './deferred-emit.js'

describe('deferredEmit', () => {
  it('writes nothing in the middle of the work, then every event in order within a few ms, each with the time it happened', async () => {
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
