import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { openSession, resolveClientOptions } from '../../src/index.js'
import { benchFile } from '../lib/bench-files.js'
import type { BenchOptions, Figure, FigureGroup } from '../lib/figure.js'
import { memoryOf } from '../lib/proc.js'
import { socklabServer } from '../lib/server-process.js'
import { MiB, round } from '../lib/stats.js'

const DOWNLOADS = '/dev/shm/socklab-bench-memory'

/**
 * The server's peak RSS while one client, then three at once, download a large file (1 GiB; 256 MiB with
 * --quick), against the same server's peak for a 1 MiB file: flat in the file size means a ratio near 1.
 */
export async function serverMemory(options: BenchOptions): Promise<FigureGroup[]> {
  const size = options.quick ? 256 * MiB : 1024 * MiB
  const folder = join(options.scratch, 'files')
  await mkdir(folder, { recursive: true })
  const small = await benchFile(folder, 1 * MiB)
  const large = await benchFile(folder, size)
  const peak = async (name: string, clients: number): Promise<number> => {
    const server = await socklabServer(options.entry, folder)
    try {
      const sessions = await Promise.all(
        Array.from({ length: clients }, async (_, i) => {
          await mkdir(join(DOWNLOADS, String(i)), { recursive: true })
          return openSession(resolveClientOptions({ port: server.port, downloadDir: join(DOWNLOADS, String(i)), progress: false }))
        }),
      )
      const replies = await Promise.all(sessions.map((s) => s.send(`get ${name}`)))
      if (replies.some((r) => r.kind !== 'saved')) throw new Error(`a get of ${name} failed: ${JSON.stringify(replies)}`)
      sessions.forEach((s) => s.close())
      return (await memoryOf(server.pid)).peakMb
    } finally {
      await server.stop()
      await rm(DOWNLOADS, { recursive: true, force: true })
    }
  }
  options.log('memory: 1 MiB baseline')
  const baseline = await peak(small, 1)
  const label = `${size / MiB} MiB`
  const figures: Figure[] = []
  for (const clients of [1, 3]) {
    options.log(`memory: ${clients} × ${label}`)
    const value = await peak(large, clients)
    figures.push({
      id: `memory.server-peak.${clients}x${size / MiB}mib`,
      name: `server peak RSS, ${clients} client${clients > 1 ? 's' : ''} downloading ${label}${clients > 1 ? ' at once' : ''}`,
      unit: 'MB',
      value: round(value),
      baseline: { name: 'same server, 1 client, 1 MiB file', value: round(baseline) },
      ratio: round(value / baseline, 2),
      ratioMeaning: 'large / small (1.0 is flat in the file size)',
      goal: '< 100 MB, flat in the file size',
      met: value < 100 && value / baseline < 1.5,
    })
  }
  return [{ id: 'memory', title: 'server memory during large downloads', figures }]
}
