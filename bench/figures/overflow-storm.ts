import { connect } from 'node:net'
import { join } from 'node:path'
import { SERVER_FULL } from '../../src/index.js'
import { freePort } from '../lib/bench-files.js'
import type { BenchOptions, Figure, FigureGroup } from '../lib/figure.js'
import { cpuTimeUs, memoryOf, openFds } from '../lib/proc.js'
import { socklabServer, startProcess, type RunningServer } from '../lib/server-process.js'
import { percentile, round } from '../lib/stats.js'

const IN_FLIGHT = 64
/** Measured storms per server, alternating between the two. */
const MEASURED = 7

interface BurstResult {
  perSecond: number
  p99Ms: number
  rejected: number
  /** CPU time the server spent per attempt (user + system, from /proc), µs. */
  cpuUs: number
  /** Share of a core the load generator (this process) used. */
  clientShare: number
}

/** A server's measured storms: the median of each figure, except `rejected`, the fewest in any storm. */
interface StormResult extends BurstResult {
  perSecondAll: number[]
}

interface Soundness {
  fdsBefore: number
  fdsAfter: number
  rssBefore: number
  /** RSS after a further storm on the same server: a leak keeps growing, garbage waiting for GC does not. */
  rssAfterSecond: number
  fdsAfterSecond: number
  admittedStillServed: boolean
}

/**
 * Both servers run at once, each with 3 clients admitted. After warm-up storms on each (5× the attempts),
 * storms of 2,000 connection attempts (500 with --quick), 64 in flight at a time, alternate between the
 * two, 7 on each: rejections per second (the median), p99 time to the full "Server is full" text, and
 * the CPU each server spends per rejection. Alternating, as the echo figure does, spreads the machine's
 * drift (and the load generator's own warming up) over both. Then, on socklab: open descriptors and RSS
 * before and after, and whether the admitted clients still get replies. The original Python server is
 * the baseline.
 */
export async function overflowStorm(options: BenchOptions): Promise<FigureGroup[]> {
  const attempts = options.quick ? 500 : 2_000
  const files = join(options.root, 'server_files')
  const socklab = await socklabServer(options.entry, files)
  let original: RunningServer | undefined
  try {
    if (options.python) {
      const port = await freePort()
      // Its console lines go to a file too, as socklab's do: neither is read by this process while it measures.
      original = await startProcess('python3', ['-u', join(options.root, 'lab/original/server.py'), String(port), files], /listening on [\d.]+:(\d+)/, {}, {
        logFile: join(options.scratch, 'storm-original.log'),
      })
    }
    options.log(`storm: ${MEASURED} storms of ${attempts} attempts on socklab${original ? ', alternating with the original' : ''}`)
    const { ours, theirs, soundness } = await storms(socklab, original, attempts)
    const ratio = theirs ? ours.perSecond / theirs.perSecond : null
    const range = (values: number[]) => `${Math.round(Math.min(...values))}–${Math.round(Math.max(...values))}/s`
    const figures: Figure[] = [
      {
        id: 'storm.rejections-per-second',
        name: `rejections per second, median of ${MEASURED} storms of ${attempts} attempts while full`,
        unit: '/s',
        value: round(ours.perSecond),
        baseline: { name: 'original Python server', value: theirs ? round(theirs.perSecond) : null },
        ratio: ratio === null ? null : round(ratio, 2),
        ratioMeaning: 'socklab / original (higher is better)',
        notes:
          `${ours.rejected} of ${attempts} got the full message (the fewest in any storm); storms: socklab ${range(ours.perSecondAll)}` +
          (theirs ? `, original ${range(theirs.perSecondAll)}` : ''),
        met: ours.rejected === attempts && (ratio === null || ratio >= 1),
        goal: '≥ 1× the original; every attempt gets the full message',
      },
      {
        id: 'storm.cpu-per-rejection',
        name: 'server CPU time per rejection (user + system)',
        unit: 'µs',
        value: round(ours.cpuUs),
        baseline: { name: 'original Python server', value: theirs ? round(theirs.cpuUs) : null },
        ratio: theirs ? round(ours.cpuUs / theirs.cpuUs, 2) : null,
        ratioMeaning: 'socklab / original (lower is better)',
        notes:
          `share of a core busy during the storms: socklab ${percent(ours)}` +
          (theirs ? `, original ${percent(theirs)}` : '') +
          `; the client making the connections ${Math.round(ours.clientShare * 100)}%` +
          (theirs ? ` and ${Math.round(theirs.clientShare * 100)}%` : ''),
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
        value: soundness.fdsAfterSecond,
        baseline: { name: 'before the storms', value: soundness.fdsBefore },
        ratio: round(soundness.fdsAfterSecond / soundness.fdsBefore, 2),
        goal: 'no growth',
        // The verdict reads the figure shown: the count once the second storm's sockets have closed.
        met: soundness.fdsAfterSecond <= soundness.fdsBefore,
        notes: `after the measured storms: ${soundness.fdsAfter}`,
      },
      {
        id: 'storm.rss',
        name: 'server RSS after two storms (default heap)',
        unit: 'MB',
        value: round(soundness.rssAfterSecond, 1),
        baseline: { name: 'before the storms', value: round(soundness.rssBefore, 1) },
        ratio: round(soundness.rssAfterSecond / soundness.rssBefore, 2),
        notes: 'garbage the collector has not reclaimed yet; the leak check below caps the heap to tell the two apart',
      },
      await leakCheck(options, files, attempts),
      {
        id: 'storm.admitted-served',
        name: 'the 3 admitted clients still get replies',
        unit: '',
        value: soundness.admittedStillServed ? 1 : 0,
        goal: 'yes',
        met: soundness.admittedStillServed,
      },
    ]
    return [{ id: 'storm', title: 'overflow storm', figures }]
  } finally {
    await Promise.all([socklab.stop(), original?.stop()])
  }
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
      await burst(server, attempts)
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

async function storms(
  socklab: RunningServer,
  original: RunningServer | undefined,
  attempts: number,
): Promise<{ ours: StormResult; theirs?: StormResult; soundness: Soundness }> {
  const servers = original ? [socklab, original] : [socklab]
  const admitted = await Promise.all(servers.map((server) => Promise.all([0, 1, 2].map(() => rawClient(server.port)))))
  for (const client of admitted.flat()) await client.ask('hello')
  const fdsBefore = await openFds(socklab.pid)
  // Warm-up storms first, on either server: the rate is that of a server (and a load generator) that has
  // been up a while, not a JIT's first few thousand connections.
  for (let i = 0; i < 5; i += 1) for (const server of servers) await burst(server, attempts)
  await settledFds(socklab.pid, fdsBefore)
  const rssBefore = (await memoryOf(socklab.pid)).rssMb
  const measured: BurstResult[][] = servers.map(() => [])
  for (let i = 0; i < MEASURED; i += 1) for (const [k, server] of servers.entries()) measured[k]!.push(await burst(server, attempts))
  const fdsAfter = await settledFds(socklab.pid, fdsBefore)
  await burst(socklab, attempts)
  const fdsAfterSecond = await settledFds(socklab.pid, fdsBefore)
  const rssAfterSecond = (await memoryOf(socklab.pid)).rssMb
  let admittedStillServed = true
  for (const client of admitted[0]!) admittedStillServed &&= (await client.ask('ping')) === 'ping ACK'
  admitted.flat().forEach((c) => c.close())
  const [ours, theirs] = measured.map(summarizeStorms)
  return { ours: ours!, theirs, soundness: { fdsBefore, fdsAfter, rssBefore, rssAfterSecond, fdsAfterSecond, admittedStillServed } }
}

const percent = (result: StormResult): string => `${Math.round((result.cpuUs * result.perSecond) / 1e4)}%`

function summarizeStorms(results: BurstResult[]): StormResult {
  const median = (pick: (r: BurstResult) => number) => percentile(results.map(pick), 50)
  return {
    perSecond: median((r) => r.perSecond),
    p99Ms: median((r) => r.p99Ms),
    cpuUs: median((r) => r.cpuUs),
    clientShare: median((r) => r.clientShare),
    rejected: Math.min(...results.map((r) => r.rejected)),
    perSecondAll: results.map((r) => r.perSecond),
  }
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
async function burst(server: RunningServer, attempts: number): Promise<BurstResult> {
  const { port } = server
  const cpuBefore = await cpuTimeUs(server.pid)
  const clientBefore = process.cpuUsage()
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
  const elapsedMs = performance.now() - started
  const client = process.cpuUsage(clientBefore)
  const cpuUs = ((await cpuTimeUs(server.pid)) - cpuBefore) / attempts
  return { perSecond: attempts / (elapsedMs / 1000), p99Ms: percentile(times, 99), rejected, cpuUs, clientShare: (client.user + client.system) / 1000 / elapsedMs }
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
