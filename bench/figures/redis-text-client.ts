import { spawnSync } from 'node:child_process'
import { AgentChannel } from '../../src/scenario/agent-channel.js'
import { WireStream } from '../../src/scenario/wire-stream.js'
import { freePort, spawnSocklab } from '../../src/index.js'
import type { BenchOptions, Figure, FigureGroup } from '../lib/figure.js'
import { startProcess } from '../lib/server-process.js'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_MAX_RECEIVE, type ScenarioClient } from '../../src/scenario/scenario.js'
import { ProcessClients } from '../../src/scenario/targets/process-clients.js'
import { percentile, round } from '../lib/stats.js'

/**
 * A text client (`protocol: text`) against a real redis-server on loopback, as the runner drives it on the
 * local target (ProcessClients: a socket of the runner's process running the raw agent), each PING written
 * through the agent and its +PONG read from the client's stream; and the same through an agent process, as
 * a client container runs it. Baseline: redis-benchmark in the same run, `-t ping -c 1 -P 1` p50
 * (PING_INLINE, the same bytes), and `-t incr -c 10 -P 1` for ten clients' throughput. Alternating batches,
 * as for the echo figure: loopback latency here moves by 2× from one moment to the next.
 */
export async function redisTextClient(options: BenchOptions): Promise<FigureGroup[]> {
  const has = (command: string) => spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0
  if (!has('redis-server') || !has('redis-benchmark')) {
    return [{ id: 'redis', title: 'text client against redis-server', figures: [], skipped: 'redis-server or redis-benchmark is not installed (apt-get install redis-server redis-tools)' }]
  }
  const rounds = options.quick ? 2_000 : 10_000
  const batches = options.quick ? 4 : 10
  const port = await freePort()
  const redis = await startProcess('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], /Ready to accept connections/)
  const figures: Figure[] = []
  try {
    const ours: number[] = []
    const theirs: number[] = []
    const perBatch = Math.ceil(rounds / batches)
    const client = await textClient(options.entry, port)
    try {
      for (let batch = 0; batch < batches; batch += 1) {
        ours.push(...(await client.roundTrips('PING', perBatch)))
        theirs.push(benchmark(port, ['-t', 'ping', '-c', '1', '-P', '1', '-n', String(perBatch)], 'PING_INLINE').p50Ms)
      }
    } finally {
      await client.close()
    }
    const agentProcess = await textClient(options.entry, port, 'process')
    let viaProcess: number[]
    try {
      viaProcess = await agentProcess.roundTrips('PING', perBatch * 2)
    } finally {
      await agentProcess.close()
    }
    const p50 = percentile(ours, 50) * 1000
    const baseline = percentile(theirs, 50) * 1000
    figures.push({
      id: 'redis.text-client.ping.p50',
      name: 'text client PING round trip p50, as the local target runs it (loopback)',
      unit: 'µs',
      value: round(p50),
      baseline: { name: 'redis-benchmark -t ping -c 1 -P 1, p50', value: round(baseline) },
      ratio: round(p50 / baseline, 2),
      ratioMeaning: 'socklab / redis-benchmark (lower is better)',
      goal: '≤ 1.5× redis-benchmark',
      met: p50 <= 1.5 * baseline,
      notes: `${ours.length} round trips; p99 ${round(percentile(ours, 99) * 1000)} µs`,
    })
    const processP50 = percentile(viaProcess, 50) * 1000
    figures.push({
      id: 'redis.agent-process.ping.p50',
      name: 'the same through an agent process (a client container runs one: two pipes more per round trip)',
      unit: 'µs',
      value: round(processP50),
      baseline: { name: 'redis-benchmark -t ping -c 1 -P 1, p50', value: round(baseline) },
      ratio: round(processP50 / baseline, 2),
      ratioMeaning: 'socklab / redis-benchmark (lower is better)',
    })
    // Ten clients INCR at once, each one request at a time: requests per second.
    const total = options.quick ? 5_000 : 20_000
    const crowd = await Promise.all(Array.from({ length: 10 }, () => textClient(options.entry, port)))
    let rps: number
    try {
      const started = performance.now()
      await Promise.all(crowd.map((c) => c.roundTrips('INCR hits', total / 10)))
      rps = total / ((performance.now() - started) / 1000)
    } finally {
      await Promise.all(crowd.map((c) => c.close()))
    }
    const base = benchmark(port, ['-t', 'incr', '-c', '10', '-P', '1', '-n', String(total)], 'INCR').rps
    figures.push({
      id: 'redis.text-client.incr.10-clients',
      name: 'INCR throughput, 10 text clients at once (loopback)',
      unit: 'req/s',
      value: round(rps),
      baseline: { name: 'redis-benchmark -t incr -c 10 -P 1', value: round(base) },
      ratio: round(base / rps, 2),
      ratioMeaning: 'redis-benchmark / socklab (lower is better)',
    })
  } finally {
    await redis.stop()
  }
  return [{ id: 'redis', title: 'text client against redis-server', figures }]
}

const TEXT_CLIENT: ScenarioClient = { name: 'bench', mode: 'auto', protocol: 'text', eol: 'crlf', maxReceive: DEFAULT_MAX_RECEIVE, retry: 0, relay: false }

/**
 * One text client, as a scenario runs it, and the stream its replies are read from: `local`, as the local
 * target starts it (a socket of the runner's process); `process`, the agent process a container runs.
 */
async function textClient(entry: string, port: number, kind: 'local' | 'process' = 'local') {
  const agent = kind === 'local' ? await new ProcessClients(entry, '127.0.0.1', port, join(tmpdir(), 'socklab-bench-downloads')).start(TEXT_CLIENT, 1) : undefined
  const child = kind === 'process' ? spawnSocklab(entry, ['client', '--json', '--mode', 'raw', '--port', String(port)]) : undefined
  const channel = agent?.channel ?? new AgentChannel()
  child?.stdout!.on('data', (chunk: Buffer) => channel.feed(chunk.toString('utf8')))
  child?.stderr!.resume()
  const closed = agent ? agent.exited.then(() => undefined) : new Promise<void>((resolve) => child!.once('close', () => (channel.end(), resolve())))
  const send = (bytes: Buffer) => (agent ? agent.write({ send: bytes.toString('base64') }) : child!.stdin!.write(`${JSON.stringify({ send: bytes.toString('base64') })}\n`))
  const first = await channel.next(AbortSignal.timeout(10_000))
  if (first.type !== 'connected') throw new Error(`the text client did not connect: ${JSON.stringify(first)}`)
  const wire = new WireStream(channel, 64 * 1024 * 1024)
  const line = (pending: Buffer) => {
    const eol = pending.indexOf(0x0a)
    return eol < 0 ? undefined : { value: undefined, consumed: eol + 1 }
  }
  const never = new AbortController().signal
  return {
    async roundTrips(command: string, n: number): Promise<number[]> {
      const bytes = Buffer.from(`${command}\r\n`)
      const times: number[] = []
      for (let i = 0; i < n; i += 1) {
        const started = performance.now()
        send(bytes)
        await wire.read(line, never)
        times.push(performance.now() - started)
      }
      return times
    },
    async close() {
      if (agent) agent.write({ close: 'end' })
      else child!.stdin!.end()
      await closed
    },
  }
}

/** One redis-benchmark run (`--csv`): a test's requests per second and p50 latency. */
function benchmark(port: number, args: string[], test: string): { rps: number; p50Ms: number } {
  const run = spawnSync('redis-benchmark', ['-p', String(port), '--csv', ...args], { encoding: 'utf8' })
  if (run.status !== 0) throw new Error(`redis-benchmark failed: ${run.stderr}`)
  const [header, ...rows] = run.stdout.trim().split('\n').map((row) => row.split(',').map((cell) => cell.replace(/^"|"$/g, '')))
  const row = rows.find((r) => r[0] === test)
  if (!header || !row) throw new Error(`redis-benchmark printed no ${test}: ${run.stdout}`)
  const column = (name: string) => Number(row[header.indexOf(name)])
  return { rps: column('rps'), p50Ms: column('p50_latency_ms') }
}
