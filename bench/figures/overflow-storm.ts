import { connect } from 'node:net'
import { join } from 'node:path'
import { SERVER_FULL } from '../../src/index.js'
import { freePort } from '../lib/bench-files.js'
import type { BenchOptions, Figure, FigureGroup } from '../lib/figure.js'
import { memoryOf, openFds } from '../lib/proc.js'
import { socklabServer, startProcess, type RunningServer } from '../lib/server-process.js'
import { percentile, round } from '../lib/stats.js'

const IN_FLIGHT = 64

interface StormResult {
  perSecond: number
  p99Ms: number
  rejected: number
  fdsBefore: number
  fdsAfter: number
  rssBefore: number
  rssAfter: number
  /** RSS after a second storm on the same server: a leak keeps growing, garbage waiting for GC does not. */
  rssAfterSecond: number
  fdsAfterSecond: number
  admittedStillServed: boolean
}

/**
 * With 3 clients admitted and a warm-up storm, three storms of 2,000 connection attempts (500 with --quick), 64 in flight at a time:
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
    // Its console lines go to a file too, as socklab's do: neither is read by this process while it measures.
    const original = await startProcess('python3', ['-u', join(options.root, 'lab/original/server.py'), String(port), files], /listening on [\d.]+:(\d+)/, {}, {
      logFile: join(options.scratch, 'storm-original.log'),
    })
    theirs = await storm(original, attempts).finally(() => original.stop())
  }
  const figures: Figure[] = [
    {
      id: 'storm.rejections-per-second',
      name: `rejections per second, median of 3 storms of ${attempts} attempts while full`,
      unit: '/s',
      value: round(ours.perSecond),
      baseline: { name: 'original Python server', value: theirs ? round(theirs.perSecond) : null },
      ratio: theirs ? round(ours.perSecond / theirs.perSecond, 2) : null,
      ratioMeaning: 'socklab / original (higher is better)',
      notes: `${ours.rejected} of ${attempts} got the full message (the fewest in any of the 3 storms)`,
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
      name: 'server open descriptors after two storms',
      unit: '',
      value: ours.fdsAfterSecond,
      baseline: { name: 'before the storms', value: ours.fdsBefore },
      ratio: round(ours.fdsAfterSecond / ours.fdsBefore, 2),
      goal: 'no growth',
      // The verdict reads the figure shown: the count once the second storm's sockets have closed.
      met: ours.fdsAfterSecond <= ours.fdsBefore,
      notes: `after the measured storms: ${ours.fdsAfter}`,
    },
    {
      id: 'storm.rss',
      name: 'server RSS after two storms (default heap)',
      unit: 'MB',
      value: round(ours.rssAfterSecond, 1),
      baseline: { name: 'before the storms', value: round(ours.rssBefore, 1) },
      ratio: round(ours.rssAfterSecond / ours.rssBefore, 2),
      notes: 'garbage the collector has not reclaimed yet; the leak check below caps the heap to tell the two apart',
    },
    await leakCheck(options, files, attempts),
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

/**
 * Repeated storms on a server whose old space is capped at 24 MB: a leak would make it run out of memory,
 * garbage only makes the collector work. Met when it survives and its RSS stops growing (a plateau).
 */
async function leakCheck(options: BenchOptions, files: string, attempts: number): Promise<Figure> {
  const storms = options.quick ? 4 : 10
  options.log(`storm: leak check, ${storms} storms with the heap capped`)
  const server = await socklabServer(options.entry, files, [], undefined, ['--max-old-space-size=24'])
  const rss: number[] = []
  let alive = true
  const admitted = await Promise.all([0, 1, 2].map(() => rawClient(server.port)))
  try {
    for (const client of admitted) await client.ask('hello')
    for (let i = 0; i < storms; i += 1) {
      await burst(server.port, attempts)
      if (server.child.exitCode !== null) {
        alive = false
        break
      }
      rss.push((await memoryOf(server.pid)).rssMb)
    }
  } finally {
    admitted.forEach((c) => c.close())
    await server.stop()
  }
  const half = Math.ceil(rss.length / 2)
  const firstHalfMax = Math.max(...rss.slice(0, half))
  const last = rss.at(-1) ?? Number.NaN
  return {
    id: 'storm.leak-check',
    name: `leak check: ${storms} storms of ${attempts} (${storms * attempts} rejections), old space capped at 24 MB`,
    unit: 'MB',
    value: round(last, 1),
    baseline: { name: 'highest RSS over the first half of the storms', value: round(firstHalfMax, 1) },
    ratio: round(last / firstHalfMax, 2),
    goal: 'survives; RSS plateaus (last ≤ 1.1× the first half)',
    met: alive && last <= firstHalfMax * 1.1,
    notes: `RSS after each storm: ${rss.map((v) => Math.round(v)).join(', ')} MB${alive ? '' : '; the server died'}`,
  }
}

async function storm(server: RunningServer, attempts: number): Promise<StormResult> {
  const admitted = await Promise.all([0, 1, 2].map(() => rawClient(server.port)))
  for (const client of admitted) await client.ask('hello')
  const fdsBefore = await openFds(server.pid)
  // Warm-up storms first (5× the attempts), on either server, then three measured ones: the rate is their
  // median, the steady rate of a server that has been up a while, not a JIT's first few thousand connections.
  for (let i = 0; i < 5; i += 1) await burst(server.port, attempts)
  await settledFds(server.pid, fdsBefore)
  const rssBefore = (await memoryOf(server.pid)).rssMb
  const measured = [await burst(server.port, attempts), await burst(server.port, attempts), await burst(server.port, attempts)]
  const median = [...measured].sort((a, b) => a.perSecond - b.perSecond)[1]!
  const first = { ...median, rejected: Math.min(...measured.map((m) => m.rejected)) }
  const fdsAfter = await settledFds(server.pid, fdsBefore)
  const rssAfter = (await memoryOf(server.pid)).rssMb
  await burst(server.port, attempts)
  const fdsAfterSecond = await settledFds(server.pid, fdsBefore)
  const rssAfterSecond = (await memoryOf(server.pid)).rssMb
  let admittedStillServed = true
  for (const client of admitted) admittedStillServed &&= (await client.ask('ping')) === 'ping ACK'
  admitted.forEach((c) => c.close())
  return { ...first, fdsBefore, fdsAfter, rssBefore, rssAfter, rssAfterSecond, fdsAfterSecond, admittedStillServed }
}

/**
 * Open descriptors once the storm's sockets have closed: the last client may have its answer a moment
 * before the server has seen that client's close. Waits (up to 3 s) for the count to come back to `target`.
 */
async function settledFds(pid: number, target: number): Promise<number> {
  const deadline = performance.now() + 3_000
  for (;;) {
    const count = await openFds(pid)
    if (count <= target || performance.now() > deadline) return count
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** `attempts` connections, IN_FLIGHT at a time, each waiting for the server to close it. */
async function burst(port: number, attempts: number): Promise<{ perSecond: number; p99Ms: number; rejected: number }> {
  const times: number[] = []
  let rejected = 0
  let next = 0
  const started = performance.now()
  const worker = async () => {
    while (next < attempts) {
      next += 1
      const outcome = await attempt(port)
      times.push(outcome.ms)
      if (outcome.text === SERVER_FULL) rejected += 1
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
  return { perSecond: attempts / ((performance.now() - started) / 1000), p99Ms: percentile(times, 99), rejected }
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
