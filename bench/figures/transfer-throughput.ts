import { spawn, spawnSync } from 'node:child_process'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { openSession, resolveClientOptions } from '../../src/index.js'
import type { BenchOptions, Figure, FigureGroup } from '../lib/figure.js'
import { memoryOf } from '../lib/proc.js'
import { socklabServer, startProcess } from '../lib/server-process.js'
import { MiB, mbPerSecond, round, summarize, type Summary } from '../lib/stats.js'
import { benchFile, freePort } from '../lib/bench-files.js'
import { dockerLab } from '../lib/docker-lab.js'
import { receive } from '../lib/raw-receive.js'

const DOWNLOADS = '/dev/shm/socklab-bench-downloads'

/**
 * `get` throughput, socklab client ← socklab server in framed mode (the client verifies SHA-256 and saves
 * to tmpfs), against (a) the raw Node pipe with 1 MiB reads to a receiver that only counts bytes, (b) the
 * original Python server where python3 is present, (c) iperf3 where installed; on loopback and across a
 * Docker bridge between two containers.
 */
export async function transferThroughput(options: BenchOptions): Promise<FigureGroup[]> {
  const sizes = options.quick ? [1 * MiB, 64 * MiB] : [1 * MiB, 64 * MiB, 256 * MiB]
  const reps = options.quick ? 3 : 5
  const folder = join(options.scratch, 'files')
  await mkdir(folder, { recursive: true })
  const names: string[] = []
  for (const size of sizes) names.push(await benchFile(folder, size))
  await mkdir(DOWNLOADS, { recursive: true })
  try {
    const groups = [await loopback(options, folder, sizes, names, reps)]
    groups.push(options.docker ? await overDocker(options, folder, sizes, names, reps) : skippedDocker())
    return groups
  } finally {
    await rm(DOWNLOADS, { recursive: true, force: true })
  }
}

async function loopback(options: BenchOptions, folder: string, sizes: number[], names: string[], reps: number): Promise<FigureGroup> {
  const figures: Figure[] = []
  const socklab = await socklabServer(options.entry, folder)
  const raw = await startProcess(process.execPath, [join(options.root, 'bench/raw/raw-file-server.mjs'), folder], /listening on (\d+)/)
  const python = options.python
    ? await startProcess('python3', ['-u', join(options.root, 'lab/original/server.py'), String(await freePort()), folder], /listening on [\d.]+:(\d+)/)
    : undefined
  try {
    const session = await openSession(resolveClientOptions({ port: socklab.port, downloadDir: DOWNLOADS, progress: false }))
    for (const [i, size] of sizes.entries()) {
      const name = names[i]!
      options.log(`throughput loopback ${size / MiB} MiB`)
      await session.send(`get ${name}`) // warm: the server hashes a file once, then serves it from its cache
      const socklabMs: number[] = []
      for (let r = 0; r < reps; r += 1) {
        const started = performance.now()
        const reply = await session.send(`get ${name}`)
        socklabMs.push(performance.now() - started)
        if (reply.kind !== 'saved' || !reply.verified) throw new Error(`socklab get ${name} failed: ${JSON.stringify(reply)}`)
      }
      const rawMs = receive('127.0.0.1', raw.port, name, size, reps + 1, 'raw').slice(1)
      const pythonMs = python ? receive('127.0.0.1', python.port, name, size, reps + 1, 'bare').slice(1) : undefined
      figures.push(...throughputFigures('loopback', size, summarize(socklabMs), summarize(rawMs), pythonMs && summarize(pythonMs)))
      // The same work as the socklab client (SHA-256 of every byte, a copy saved to tmpfs) done by raw Node.
      const sameWorkMs = receive('127.0.0.1', raw.port, name, size, reps + 1, 'raw', DOWNLOADS).slice(1)
      figures.push(sameWorkFigure('loopback', size, summarize(socklabMs), summarize(sameWorkMs)))
      // The servers alone, each feeding the same counting receiver.
      const serverMs = receive('127.0.0.1', socklab.port, name, size, reps + 1, 'framed').slice(1)
      figures.push(serverOnlyFigure(size, summarize(serverMs), summarize(rawMs), pythonMs && summarize(pythonMs)))
    }
    session.close()
    const largest = sizes.at(-1)! / MiB
    const socklabMemory = await memoryOf(socklab.pid)
    const pythonMemory = python ? await memoryOf(python.pid) : undefined
    figures.push({
      id: 'throughput.loopback.server-peak-rss',
      name: `server peak RSS after the gets above (largest ${largest} MiB)`,
      unit: 'MB',
      value: round(socklabMemory.peakMb),
      baseline: { name: 'original Python server, same gets', value: pythonMemory ? round(pythonMemory.peakMb) : null },
      ratio: pythonMemory ? round(socklabMemory.peakMb / pythonMemory.peakMb, 2) : null,
      ratioMeaning: 'socklab / original (lower is better)',
      goal: 'a fraction of the original',
      met: pythonMemory ? socklabMemory.peakMb < pythonMemory.peakMb / 2 : null,
    })
    figures.push(iperf3Figure(options))
  } finally {
    await Promise.all([socklab.stop(), raw.stop(), python?.stop()])
  }
  return { id: 'throughput-loopback', title: 'get throughput over loopback', figures }
}

/** A rate figure: socklab's median against a baseline's median over the same bytes, and their ratio. */
function rateFigure(
  size: number,
  socklab: Summary,
  baseline: { name: string; runs: Summary; of?: string },
  fields: Pick<Figure, 'id' | 'name'> & Partial<Figure>,
): Figure {
  const value = round(mbPerSecond(size, socklab.median))
  const base = round(mbPerSecond(size, baseline.runs.median))
  return {
    unit: 'MB/s',
    value,
    spread: round(socklab.spread, 2),
    baseline: { name: baseline.name, value: base },
    ratio: round(value / base, 2),
    ratioMeaning: `socklab / ${baseline.of ?? 'raw'} (higher is better)`,
    ...fields,
  }
}

function throughputFigures(path: string, size: number, socklab: Summary, raw: Summary, python?: Summary, { goal = true } = {}): Figure[] {
  const label = `${size / MiB} MiB`
  const large = goal && size >= 64 * MiB
  const vsRaw = rateFigure(size, socklab, { name: 'raw Node pipe, 1 MiB reads, counting receiver', runs: raw }, {
    id: `throughput.${path}.${size / MiB}mib`,
    name: `get ${label} (${path})`,
    goal: large ? '≥ 0.9× raw' : undefined,
    notes: 'socklab verifies SHA-256 and saves to tmpfs; medians of the repetitions',
  })
  vsRaw.met = large ? vsRaw.ratio! >= 0.9 : undefined
  if (!python) return [vsRaw]
  const vsOriginal = rateFigure(size, socklab, { name: 'original Python server (whole-file sendall)', runs: python, of: 'original' }, {
    id: `throughput.${path}.${size / MiB}mib.vs-original`,
    name: `get ${label} (${path}) vs the original server`,
    spread: undefined,
    goal: 'above the original',
  })
  vsOriginal.met = vsOriginal.ratio! > 1
  return [vsRaw, vsOriginal]
}

function sameWorkFigure(path: string, size: number, socklab: Summary, raw: Summary, { goal = false } = {}): Figure {
  const figure = rateFigure(size, socklab, { name: 'raw Node pipe to a receiver that hashes SHA-256 and saves to tmpfs', runs: raw }, {
    id: `throughput.${path}.${size / MiB}mib.same-work`,
    name: `get ${size / MiB} MiB (${path}) vs raw Node doing the same work`,
    notes: "what verification costs is in both; the ratio is socklab's own overhead",
  })
  if (goal && size >= 64 * MiB) {
    figure.goal = '≥ 0.9× the same work'
    figure.met = figure.ratio! >= 0.9
  }
  return figure
}

function serverOnlyFigure(size: number, socklab: Summary, raw: Summary, python?: Summary): Figure {
  const figure = rateFigure(size, socklab, { name: 'raw Node pipe to the same receiver', runs: raw }, {
    id: `throughput.loopback.${size / MiB}mib.server-only`,
    name: `socklab server alone, ${size / MiB} MiB to a counting receiver (loopback)`,
  })
  if (python) {
    const original = round(mbPerSecond(size, python.median))
    figure.notes = `the original server to the same receiver: ${original} MB/s (socklab ${round(figure.value! / original, 2)}×)`
  }
  return figure
}

/** Runs raw-receiver.mjs in its own process (so it never shares a thread with the sender) and returns ms per run. */
function iperf3Figure(options: BenchOptions): Figure {
  const figure: Figure = { id: 'throughput.loopback.iperf3', name: 'iperf3 over loopback (the link ceiling)', unit: 'MB/s', value: null }
  if (!options.iperf3) return { ...figure, notes: 'iperf3 is not installed (apt-get install iperf3): no ceiling measured' }
  const server = spawn('iperf3', ['-s', '-1', '-p', '15201'], { stdio: 'ignore' })
  try {
    spawnSync('sleep', ['0.3'])
    const run = spawnSync('iperf3', ['-c', '127.0.0.1', '-p', '15201', '-t', '2', '-J'], { encoding: 'utf8' })
    const bps = (JSON.parse(run.stdout) as { end: { sum_received: { bits_per_second: number } } }).end.sum_received.bits_per_second
    return { ...figure, value: round(bps / 8 / 1e6) }
  } finally {
    server.kill()
  }
}

async function overDocker(options: BenchOptions, folder: string, sizes: number[], names: string[], reps: number): Promise<FigureGroup> {
  const figures: Figure[] = []
  await using lab = await dockerLab(options, folder)
  const agent = spawn('docker', [
    'run', '-i', '--rm', '--network', lab.network, '--label', lab.label, '--tmpfs', '/dl:rw,size=1100m,mode=1777',
    options.image, 'client', '--json', '--no-progress', '--host', 'server', '--download-dir', '/dl',
  ], { stdio: ['pipe', 'pipe', 'inherit'] })
  const lines = createInterface({ input: agent.stdout! })[Symbol.asyncIterator]()
  const next = async () => JSON.parse(String((await lines.next()).value)) as { type: string; durationMs?: number; reply?: { kind: string } }
  try {
    const hello = await next()
    if (hello.type !== 'connected') throw new Error(`docker client did not connect: ${JSON.stringify(hello)}`)
    for (const [i, size] of sizes.entries()) {
      const name = names[i]!
      options.log(`throughput docker ${size / MiB} MiB`)
      const ms: number[] = []
      for (let r = 0; r <= reps; r += 1) {
        agent.stdin!.write(`${JSON.stringify({ command: `get ${name}` })}\n`)
        const reply = await next()
        if (reply.type !== 'reply' || reply.reply?.kind !== 'saved') throw new Error(`docker get failed: ${JSON.stringify(reply)}`)
        if (r > 0) ms.push(reply.durationMs!)
      }
      const rawMs = lab.rawReceive(name, size, reps + 1).slice(1)
      // Across the bridge the goal is against the same work (SHA-256 and a tmpfs copy), as the client does.
      figures.push(...throughputFigures('docker-bridge', size, summarize(ms), summarize(rawMs), undefined, { goal: false }))
      const sameWorkMs = lab.rawReceive(name, size, reps + 1, { save: true }).slice(1)
      figures.push(sameWorkFigure('docker-bridge', size, summarize(ms), summarize(sameWorkMs), { goal: true }))
    }
  } finally {
    agent.stdin!.end()
    agent.kill()
  }
  return { id: 'throughput-docker', title: 'get throughput across a Docker bridge (two containers)', figures }
}

function skippedDocker(): FigureGroup {
  return { id: 'throughput-docker', title: 'get throughput across a Docker bridge', figures: [], skipped: 'no Docker engine answers' }
}
