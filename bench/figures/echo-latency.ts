import { connect } from 'node:net'
import { join } from 'node:path'
import { encodeCommand, HELLO, openSession, resolveClientOptions } from '../../src/index.js'
import type { BenchOptions, Figure, FigureGroup } from '../lib/figure.js'
import { socklabServer, startProcess } from '../lib/server-process.js'
import { percentile, round, summarize } from '../lib/stats.js'

/**
 * Echo round trips (send a message, receive its ACK): p50 and p99 over 10,000 per client (2,000 with
 * --quick), with 1 and 3 clients, socklab client → socklab server in framed mode, against a minimal raw
 * echo server and a raw client on the same path. The two are measured in alternating batches: loopback
 * latency on these machines shifts by 2× from one moment to the next, and alternation spreads that over both.
 */
export async function echoLatency(options: BenchOptions): Promise<FigureGroup[]> {
  const rounds = options.quick ? 2_000 : 10_000
  const batches = options.quick ? 4 : 10
  const figures: Figure[] = []
  // The server logs every command, as it does anywhere; into a file, so the client (this process) does not read it.
  const socklab = await socklabServer(options.entry, join(options.root, 'server_files'), [], join(options.scratch, 'echo-server.log'))
  const raw = await startProcess(process.execPath, [join(options.root, 'bench/raw/raw-echo-server.mjs')], /listening on (\d+)/)
  try {
    for (const clients of [1, 3]) {
      options.log(`echo: ${clients} client(s) × ${rounds}, ${batches} alternating batches`)
      const ours: number[] = []
      const theirs: number[] = []
      const serverOnly: number[] = []
      const oursP50: number[] = []
      const theirsP50: number[] = []
      for (let batch = 0; batch < batches; batch += 1) {
        const perClient = Math.ceil(rounds / batches)
        const a = (await Promise.all(Array.from({ length: clients }, () => socklabEcho(socklab.port, perClient)))).flat()
        const b = (await Promise.all(Array.from({ length: clients }, () => rawEcho(raw.port, perClient)))).flat()
        // The raw client against the socklab server: what the server adds, without the socklab client.
        const c = (await Promise.all(Array.from({ length: clients }, () => rawEcho(socklab.port, perClient, true)))).flat()
        ours.push(...a)
        theirs.push(...b)
        serverOnly.push(...c)
        oursP50.push(percentile(a, 50))
        theirsP50.push(percentile(b, 50))
      }
      for (const p of [50, 99]) {
        const value = percentile(ours, p) * 1000
        const baseline = percentile(theirs, p) * 1000
        figures.push({
          id: `echo.${clients}-client.p${p}`,
          name: `echo round trip p${p}, ${clients} client${clients > 1 ? 's' : ''} (loopback)`,
          unit: 'µs',
          value: round(value),
          spread: p === 50 ? round(summarize(oursP50).spread, 2) : undefined,
          baseline: { name: 'raw echo server and client', value: round(baseline) },
          ratio: round(value / baseline, 2),
          ratioMeaning: 'socklab / raw (lower is better)',
          goal: p === 50 ? '≤ 1.3× raw' : undefined,
          met: p === 50 ? value <= 1.3 * baseline : undefined,
          notes: p === 50 ? `batch p50s: socklab ${range(oursP50)}, raw ${range(theirsP50)}` : undefined,
        })
      }
      const server = percentile(serverOnly, 50) * 1000
      const rawP50 = percentile(theirs, 50) * 1000
      figures.push({
        id: `echo.${clients}-client.p50.server-only`,
        name: `echo p50, ${clients} raw client${clients > 1 ? 's' : ''} → socklab server (framed; the server's share)`,
        unit: 'µs',
        value: round(server),
        baseline: { name: 'raw echo server and client', value: round(rawP50) },
        ratio: round(server / rawP50, 2),
        ratioMeaning: 'socklab server / raw (lower is better)',
      })
    }
  } finally {
    await Promise.all([socklab.stop(), raw.stop()])
  }
  return [{ id: 'echo', title: 'echo round trip', figures }]
}

const range = (values: number[]): string => `${Math.round(Math.min(...values) * 1000)}–${Math.round(Math.max(...values) * 1000)} µs`

async function socklabEcho(port: number, rounds: number): Promise<number[]> {
  const session = await openSession(resolveClientOptions({ port }))
  const times: number[] = []
  for (let i = 0; i < rounds; i += 1) {
    const started = performance.now()
    const reply = await session.send('hello')
    times.push(performance.now() - started)
    if (reply.kind !== 'text') throw new Error(`unexpected echo reply ${JSON.stringify(reply)}`)
  }
  session.close()
  return times
}

/** A minimal client: `hello` and wait for any answer, again. `framed`: socklab's hello and COMMAND frames. */
function rawEcho(port: number, rounds: number, framed = false): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', noDelay: true })
    const message = framed ? encodeCommand('hello') : Buffer.from('hello')
    const times: number[] = []
    let welcomed = !framed
    let started = 0
    const send = () => {
      started = performance.now()
      socket.write(message)
    }
    socket.on('connect', () => (framed ? socket.write(HELLO) : send()))
    socket.on('data', () => {
      if (!welcomed) {
        welcomed = true
        return send()
      }
      times.push(performance.now() - started)
      if (times.length < rounds) send()
      else {
        socket.destroy()
        resolve(times)
      }
    })
    socket.on('error', reject)
  })
}
