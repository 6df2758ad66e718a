import { mkdir } from 'node:fs/promises'
import { connect } from 'node:net'
import { join } from 'node:path'
import { formatRate } from '../../src/relay/conditions/bandwidth.js'
import { benchFile } from '../lib/bench-files.js'
import type { BenchOptions, Figure, FigureGroup } from '../lib/figure.js'
import { receive } from '../lib/raw-receive.js'
import { startProcess, type RunningServer } from '../lib/server-process.js'
import { MiB, mbPerSecond, percentile, round, summarize } from '../lib/stats.js'

/**
 * `socklab relay`: what it costs with no condition (throughput to the counting receiver, echo round trip,
 * each against a direct connection in the same run), and how exactly its latency and bandwidth hold what
 * they are set to (measured round trip and transfer rate against the configured values).
 */
export async function linkRelay(options: BenchOptions): Promise<FigureGroup[]> {
  const folder = join(options.scratch, 'files')
  await mkdir(folder, { recursive: true })
  const rawFiles = await startProcess(process.execPath, [join(options.root, 'bench/raw/raw-file-server.mjs'), folder], /listening on (\d+)/)
  const rawEcho = await startProcess(process.execPath, [join(options.root, 'bench/raw/raw-echo-server.mjs')], /listening on (\d+)/)
  try {
    const figures = [
      ...(await overhead(options, folder, rawFiles, rawEcho)),
      ...(await latencyAccuracy(options, rawEcho)),
      ...(await bandwidthAccuracy(options, folder, rawFiles)),
    ]
    return [{ id: 'relay', title: 'socklab relay: cost with no condition, accuracy of its conditions', figures }]
  } finally {
    await Promise.all([rawFiles.stop(), rawEcho.stop()])
  }
}

/** `socklab relay` in a process of its own, in front of `port`, with `link` conditions. */
const relay = (options: BenchOptions, port: number, link = '{}'): Promise<RunningServer> =>
  startProcess(process.execPath, [options.entry, 'relay', '--host', '127.0.0.1', '--port', '0', '--to', `127.0.0.1:${port}`, '--link', link], /"port":(\d+)/)

/** The bare `pipe()` relay (bench/raw/raw-pipe-relay.mjs) in front of `port`: what any Node relay costs. */
const pipeRelay = (options: BenchOptions, port: number): Promise<RunningServer> =>
  startProcess(process.execPath, [join(options.root, 'bench/raw/raw-pipe-relay.mjs'), String(port)], /listening on (\d+)/)

async function overhead(options: BenchOptions, folder: string, rawFiles: RunningServer, rawEcho: RunningServer): Promise<Figure[]> {
  const size = options.quick ? 64 * MiB : 256 * MiB
  const reps = options.quick ? 3 : 5
  const name = await benchFile(folder, size)
  const through = await relay(options, rawFiles.port)
  const echoThrough = await relay(options, rawEcho.port)
  const piped = await pipeRelay(options, rawFiles.port)
  const echoPiped = await pipeRelay(options, rawEcho.port)
  try {
    options.log(`relay: ${size / MiB} MiB direct, through the relay and through a bare pipe() relay, ${reps} times each, alternating`)
    const direct: number[] = []
    const relayed: number[] = []
    const pipedMs: number[] = []
    for (const port of [rawFiles.port, through.port, piped.port]) receive('127.0.0.1', port, name, size, 1, 'raw')
    for (let r = 0; r < reps; r += 1) {
      direct.push(...receive('127.0.0.1', rawFiles.port, name, size, 1, 'raw'))
      relayed.push(...receive('127.0.0.1', through.port, name, size, 1, 'raw'))
      pipedMs.push(...receive('127.0.0.1', piped.port, name, size, 1, 'raw'))
    }
    const [d, t, p] = [summarize(direct), summarize(relayed), summarize(pipedMs)]
    const rounds = options.quick ? 2_000 : 10_000
    options.log(`relay: echo, ${rounds} round trips direct, through the relay and through a bare pipe() relay`)
    const echoDirect: number[] = []
    const echoRelayed: number[] = []
    const echoPipedMs: number[] = []
    for (let batch = 0; batch < 10; batch += 1) {
      echoDirect.push(...(await echoRounds(rawEcho.port, rounds / 10)))
      echoRelayed.push(...(await echoRounds(echoThrough.port, rounds / 10)))
      echoPipedMs.push(...(await echoRounds(echoPiped.port, rounds / 10)))
    }
    const directP50 = percentile(echoDirect, 50) * 1000
    const added = percentile(echoRelayed, 50) * 1000 - directP50
    const pipeAdded = percentile(echoPipedMs, 50) * 1000 - directP50
    return [
      {
        id: 'relay.throughput',
        name: `relay with no condition: ${size / MiB} MiB to the counting receiver (median of ${reps})`,
        unit: 'MB/s',
        value: round(mbPerSecond(size, t.median)),
        spread: round(t.spread, 2),
        baseline: { name: 'direct connection, same receiver', value: round(mbPerSecond(size, d.median)) },
        ratio: round(d.median / t.median, 2),
        ratioMeaning: 'relayed / direct (higher is better)',
        goal: '≥ 0.8× direct',
        met: d.median / t.median >= 0.8,
        notes: `a bare pipe() relay: ${round(mbPerSecond(size, p.median))} MB/s, ${round(d.median / p.median, 2)}× direct`,
      },
      {
        id: 'relay.throughput.vs-pipe',
        name: 'relay with no condition against a bare pipe() relay (the least a Node relay does)',
        unit: 'MB/s',
        value: round(mbPerSecond(size, t.median)),
        baseline: { name: 'bare pipe() relay, same receiver', value: round(mbPerSecond(size, p.median)) },
        ratio: round(p.median / t.median, 2),
        ratioMeaning: 'socklab relay / pipe() relay (higher is better)',
      },
      {
        id: 'relay.echo-added',
        name: `relay with no condition: echo round trip p50 added (${rounds} each, alternating batches)`,
        unit: 'µs',
        value: round(added),
        baseline: { name: 'direct p50', value: round(directP50) },
        notes: `relayed p50 ${round(percentile(echoRelayed, 50) * 1000)} µs; a bare pipe() relay adds ${round(pipeAdded)} µs`,
        goal: '≤ 50 µs added',
        met: added <= 50,
      },
      {
        id: 'relay.echo-added.vs-pipe',
        name: 'relay with no condition: echo p50 added, against what a bare pipe() relay adds',
        unit: 'µs',
        value: round(added),
        baseline: { name: 'added by a bare pipe() relay', value: round(pipeAdded) },
        ratio: round(added / pipeAdded, 2),
        ratioMeaning: 'socklab relay / pipe() relay (lower is better)',
      },
    ]
  } finally {
    await Promise.all([through.stop(), echoThrough.stop(), piped.stop(), echoPiped.stop()])
  }
}

/** Round trips of a 5-byte message to a raw echo server, one after another; each in ms. */
function echoRounds(port: number, rounds: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', noDelay: true })
    const times: number[] = []
    let started = 0
    const send = () => {
      started = performance.now()
      socket.write('hello')
    }
    socket.on('connect', send)
    socket.on('data', () => {
      times.push(performance.now() - started)
      if (times.length < rounds) return send()
      socket.destroy()
      resolve(times)
    })
    socket.on('error', reject)
  })
}

async function latencyAccuracy(options: BenchOptions, rawEcho: RunningServer): Promise<Figure[]> {
  const cases = options.quick ? [[50, 10], [1000, 2]] : [[50, 20], [200, 10], [1000, 3]]
  const figures: Figure[] = []
  for (const [ms, rounds] of cases as Array<[number, number]>) {
    options.log(`relay: latency ${ms} ms, ${rounds} round trips`)
    const through = await relay(options, rawEcho.port, `{ latency: ${ms}ms }`)
    try {
      const rtt = percentile(await echoRounds(through.port, rounds), 50)
      const oneWay = rtt / 2
      figures.push({
        id: `relay.latency.${ms}ms`,
        name: `latency ${ms} ms each way: measured round trip / 2 (median of ${rounds})`,
        unit: 'ms',
        value: round(oneWay, 1),
        ...accuracy(oneWay, ms, ms),
      })
    } finally {
      await through.stop()
    }
  }
  return figures
}

/** How close a measured value is to the configured one: the ratio, and the ±10% goal. `shown`: the configured value in the figure's unit. */
function accuracy(measured: number, configured: number, shown: number): Pick<Figure, 'baseline' | 'ratio' | 'ratioMeaning' | 'goal' | 'met'> {
  return {
    baseline: { name: 'configured', value: shown },
    ratio: round(measured / configured, 3),
    ratioMeaning: 'measured / configured',
    goal: 'within ±10%',
    met: Math.abs(measured / configured - 1) <= 0.1,
  }
}

async function bandwidthAccuracy(options: BenchOptions, folder: string, rawFiles: RunningServer): Promise<Figure[]> {
  // Each transfer takes about 2 s at its rate (1 s with --quick).
  const seconds = options.quick ? 1 : 2
  const rates = [64 * 1024, 1e6, 10e6, 50e6]
  const figures: Figure[] = []
  for (const rate of rates) {
    const size = Math.round((rate * seconds) / 1024) * 1024
    const name = await benchFile(folder, size)
    options.log(`relay: bandwidth ${formatRate(rate)}, ${size} bytes`)
    const through = await relay(options, rawFiles.port, `{ down: { bandwidth: ${rate} } }`)
    try {
      const [ms] = receive('127.0.0.1', through.port, name, size, 1, 'raw')
      const measured = (size * 1000) / ms!
      figures.push({
        id: `relay.bandwidth.${Math.round(rate)}`,
        name: `bandwidth ${formatRate(rate)}: measured rate of a ${seconds} s transfer`,
        unit: 'MB/s',
        value: round(measured / 1e6, 3),
        ...accuracy(measured, rate, round(rate / 1e6, 3)),
      })
    } finally {
      await through.stop()
    }
  }
  return figures
}
