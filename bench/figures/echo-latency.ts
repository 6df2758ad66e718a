import { connect } from 'node:net'
import { join } from 'node:path'
import { openSession } from '../../client/open-session.js'
import { resolveClientOptions } from '../../config/client-options.js'
import type { BenchOptions, Figure, FigureGroup } from '../lib/figure.js'
import { socklabServer, startProcess } from '../lib/server-process.js'
import { percentile } from '../lib/stats.js'
import { round } from './transfer-throughput.js'

/**
 * Echo round trips (send a message, receive its ACK): p50 and p99 over 10,000 per client (2,000 with
 * --quick), with 1 and 3 clients, socklab client → socklab server in framed mode, against a minimal raw
 * echo server and a raw client on the same path.
 */
export async function echoLatency(options: BenchOptions): Promise<FigureGroup[]> {
  const rounds = options.quick ? 2_000 : 10_000
  const figures: Figure[] = []
  for (const clients of [1, 3]) {
    options.log(`echo: ${clients} client(s) × ${rounds}`)
    const socklab = await socklabServer(options.entry, join(options.root, 'server_files'))
    const ours = await Promise.all(
      Array.from({ length: clients }, async () => {
        const session = await openSession(resolveClientOptions({ port: socklab.port }))
        const times = await loop(rounds, async () => {
          const reply = await session.send('hello')
          if (reply.kind !== 'text') throw new Error(`unexpected echo reply ${JSON.stringify(reply)}`)
        })
        session.close()
        return times
      }),
    ).finally(() => socklab.stop())
    const raw = await startProcess(process.execPath, [join(options.root, 'bench/raw/raw-echo-server.mjs')], /listening on (\d+)/)
    const theirs = await Promise.all(Array.from({ length: clients }, () => rawEcho(raw.port, rounds))).finally(() => raw.stop())
    const mine = ours.flat()
    const base = theirs.flat()
    for (const p of [50, 99]) {
      const value = percentile(mine, p) * 1000
      const baseline = percentile(base, p) * 1000
      figures.push({
        id: `echo.${clients}-client.p${p}`,
        name: `echo round trip p${p}, ${clients} client${clients > 1 ? 's' : ''} (loopback)`,
        unit: 'µs',
        value: round(value),
        baseline: { name: 'raw echo server and client', value: round(baseline) },
        ratio: round(value / baseline, 2),
        ratioMeaning: 'socklab / raw (lower is better)',
        goal: p === 50 ? '≤ 1.3× raw' : undefined,
        met: p === 50 ? value <= 1.3 * baseline : undefined,
      })
    }
  }
  return [{ id: 'echo', title: 'echo round trip', figures }]
}

async function loop(rounds: number, once: () => Promise<void>): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < rounds; i += 1) {
    const started = performance.now()
    await once()
    times.push(performance.now() - started)
  }
  return times
}

function rawEcho(port: number, rounds: number): Promise<number[]> {
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
      if (times.length < rounds) send()
      else {
        socket.destroy()
        resolve(times)
      }
    })
    socket.on('error', reject)
  })
}
