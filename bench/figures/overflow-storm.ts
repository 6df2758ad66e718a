import { connect } from 'node:net'
import { join } from 'node:path'
import { SERVER_FULL } from '../../protocol/original-text.js'
import { freePort } from '../lib/bench-files.js'
import type { BenchOptions, Figure, FigureGroup } from '../lib/figure.js'
import { memoryOf, openFds } from '../lib/proc.js'
import { socklabServer, startProcess, type RunningServer } from '../lib/server-process.js'
import { percentile } from '../lib/stats.js'
import { round } from './transfer-throughput.js'

const IN_FLIGHT = 64

interface StormResult {
  perSecond: number
  p99Ms: number
  rejected: number
  fdsBefore: number
  fdsAfter: number
  rssBefore: number
  rssAfter: number
  admittedStillServed: boolean
}

/**
 * With 3 clients admitted, 2,000 further connection attempts (500 with --quick), 64 in flight at a time:
 * rejections per second, p99 time to the full "Server is full" text, open descriptors and RSS before and
 * after, and whether the admitted clients still get replies. The original Python server is the baseline.
 */
export async function overflowStorm(options: BenchOptions): Promise<FigureGroup[]> {
  const attempts = options.quick ? 500 : 2_000
  const files = join(options.root, 'server_files')
  options.log(`storm: ${attempts} attempts on socklab`)
  const socklab = await socklabServer(options.entry, files)
  const ours = await storm(socklab, attempts).finally(() => socklab.stop())
  let theirs: StormResult | undefined
  if (options.python) {
    options.log(`storm: ${attempts} attempts on the original`)
    const port = await freePort()
    const original = await startProcess('python3', ['-u', join(options.root, 'test/fixtures/original/server.py'), String(port), files], /listening on [\d.]+:(\d+)/)
    theirs = await storm(original, attempts).finally(() => original.stop())
  }
  const figures: Figure[] = [
    {
      id: 'storm.rejections-per-second',
      name: `rejections per second, ${attempts} attempts while full`,
      unit: '/s',
      value: round(ours.perSecond),
      baseline: { name: 'original Python server', value: theirs ? round(theirs.perSecond) : null },
      ratio: theirs ? round(ours.perSecond / theirs.perSecond, 2) : null,
      ratioMeaning: 'socklab / original (higher is better)',
      notes: `${ours.rejected} of ${attempts} got the full message`,
      met: ours.rejected === attempts,
      goal: 'every attempt gets the full message',
    },
    {
      id: 'storm.p99-ms',
      name: 'p99 time to receive the full rejection',
      unit: 'ms',
      value: round(ours.p99Ms, 1),
      baseline: { name: 'original Python server', value: theirs ? round(theirs.p99Ms, 1) : null },
      ratio: theirs ? round(ours.p99Ms / theirs.p99Ms, 2) : null,
      ratioMeaning: 'socklab / original (lower is better)',
    },
    {
      id: 'storm.fds',
      name: 'server open descriptors after the storm',
      unit: '',
      value: ours.fdsAfter,
      baseline: { name: 'before the storm', value: ours.fdsBefore },
      ratio: round(ours.fdsAfter / ours.fdsBefore, 2),
      goal: 'no growth',
      met: ours.fdsAfter <= ours.fdsBefore,
    },
    {
      id: 'storm.rss',
      name: 'server RSS after the storm',
      unit: 'MB',
      value: round(ours.rssAfter, 1),
      baseline: { name: 'before the storm', value: round(ours.rssBefore, 1) },
      ratio: round(ours.rssAfter / ours.rssBefore, 2),
      goal: 'no growth (within 10 %)',
      met: ours.rssAfter <= ours.rssBefore * 1.1,
    },
    {
      id: 'storm.admitted-served',
      name: 'the 3 admitted clients still get replies',
      unit: '',
      value: ours.admittedStillServed ? 1 : 0,
      goal: 'yes',
      met: ours.admittedStillServed,
    },
  ]
  return [{ id: 'storm', title: 'overflow storm', figures }]
}

async function storm(server: RunningServer, attempts: number): Promise<StormResult> {
  const admitted = await Promise.all([0, 1, 2].map(() => rawClient(server.port)))
  for (const client of admitted) await client.ask('hello')
  const fdsBefore = await openFds(server.pid)
  const rssBefore = (await memoryOf(server.pid)).rssMb
  const times: number[] = []
  let rejected = 0
  const started = performance.now()
  let next = 0
  const worker = async () => {
    while (next < attempts) {
      next += 1
      const outcome = await attempt(server.port)
      times.push(outcome.ms)
      if (outcome.text === SERVER_FULL) rejected += 1
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
  const seconds = (performance.now() - started) / 1000
  let admittedStillServed = true
  for (const client of admitted) admittedStillServed &&= (await client.ask('ping')) === 'ping ACK'
  const fdsAfter = await openFds(server.pid)
  const rssAfter = (await memoryOf(server.pid)).rssMb
  admitted.forEach((c) => c.close())
  return { perSecond: attempts / seconds, p99Ms: percentile(times, 99), rejected, fdsBefore, fdsAfter, rssBefore, rssAfter, admittedStillServed }
}

/** One connection attempt: the text received until the server closed, and how long that took. */
function attempt(port: number): Promise<{ text: string; ms: number }> {
  return new Promise((resolve) => {
    const started = performance.now()
    const socket = connect({ port, host: '127.0.0.1' })
    let text = ''
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')))
    socket.on('error', () => undefined)
    socket.on('close', () => resolve({ text, ms: performance.now() - started }))
  })
}

/** A bare client speaking like the original (one bare command, one reply). */
async function rawClient(port: number) {
  const socket = connect({ port, host: '127.0.0.1', noDelay: true })
  await new Promise((resolve) => socket.once('connect', resolve))
  return {
    ask: (command: string) =>
      new Promise<string>((resolve) => {
        socket.once('data', (chunk: Buffer) => resolve(chunk.toString('utf8')))
        socket.write(command)
      }),
    close: () => socket.destroy(),
  }
}
