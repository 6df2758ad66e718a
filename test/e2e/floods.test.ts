import { connect } from 'node:net'
import { describe, expect, it } from 'vitest'
import { SERVER_FULL } from '../../src/index.js'
import { RawClient } from '../helpers/raw-client.js'
import { startServerProcess } from '../helpers/server-process.js'
import { session } from '../helpers/sessions.js'

/** How long the churn runs: a few seconds in the suite, a minute with `npm run churn` (CHURN_SECONDS=60). */
const CHURN_SECONDS = Number(process.env.CHURN_SECONDS ?? 3)

/** One connection: everything the server said until it closed. */
function attempt(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' })
    let text = ''
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')))
    socket.on('error', () => undefined)
    socket.on('close', () => resolve(text))
  })
}

describe('floods', () => {
  it('2,000 connects while full: every one told, no descriptor growth, the admitted keep working', async () => {
    await using server = await startServerProcess()
    const admitted = [await session(server.port), await session(server.port), await session(server.port)]
    const fdsBefore = await server.fds()
    let next = 0
    const answers: string[] = []
    const worker = async () => {
      while (next < 2_000) {
        next += 1
        answers.push(await attempt(server.port))
      }
    }
    await Promise.all(Array.from({ length: 64 }, worker))
    expect(answers.filter((a) => a === SERVER_FULL)).toHaveLength(2_000)
    await server.log.waitFor('client_rejected', undefined, 2_000)
    for (const s of admitted) expect(await s.send('still here')).toEqual({ kind: 'text', text: 'still here ACK' })
    const status = await admitted[0]!.send('status')
    expect((status as { text: string }).text.split('\n').filter((l) => l.includes('Connected at') && !l.includes('Disconnected'))).toHaveLength(3)
    // The server closes each rejected socket once the client has; the count returns to where it was.
    await expect.poll(() => server.fds(), { timeout: 5_000 }).toBeLessThanOrEqual(fdsBefore)
    admitted.forEach((s) => s.close())
  })

  it(`connect/disconnect churn for ${CHURN_SECONDS} s: no crash, no growth, status stays exact`, { timeout: (CHURN_SECONDS + 30) * 1000 }, async () => {
    // The heap is capped: garbage is collected as it builds up, and a leak would end the process.
    await using server = await startServerProcess(['--max-clients', '4'], ['--max-old-space-size=32'])
    using steady = await session(server.port)
    const fdsBefore = await server.fds()
    const rssBefore = await server.rssMb()
    const deadline = performance.now() + CHURN_SECONDS * 1000
    let cycles = 0
    const ways = ['exit', 'end', 'reset', 'hello-exit'] as const
    const churner = async (id: number) => {
      for (let i = id; performance.now() < deadline; i += 1) {
        const raw = await RawClient.connect(server.port)
        const way = ways[i % ways.length]!
        if (way === 'hello-exit') {
          raw.send('hello\n')
          const reply = (await raw.until((r) => r.toString().endsWith('\n'))).toString()
          if (reply !== SERVER_FULL && reply !== 'hello ACK\n') throw new Error(`unexpected reply ${JSON.stringify(reply)}`)
          raw.send('exit\n')
        } else if (way === 'exit') raw.send('exit\n')
        else if (way === 'end') raw.socket.end()
        else raw.socket.resetAndDestroy()
        await raw.closed()
        cycles += 1
      }
    }
    const watcher = async () => {
      while (performance.now() < deadline) {
        const reply = await steady.send('status')
        const connected = (reply as { text: string }).text.split('\n').filter((l) => !l.includes('Disconnected'))
        expect(connected.length).toBeGreaterThanOrEqual(1)
        expect(connected.length).toBeLessThanOrEqual(4)
      }
    }
    await Promise.all([churner(0), churner(1), churner(2), churner(3), watcher()])
    expect(cycles).toBeGreaterThan(CHURN_SECONDS * 50)
    // Every connection that was admitted has left: only the steady client remains, exactly once. The server's
    // own state says so first; the log then catches up (lines are written in batches, in order): a marker
    // command logged after the last departure shows every departure is in.
    const connectedNow = async () =>
      ((await steady.send('status')) as { text: string }).text.split('\n').filter((l) => !l.includes('Disconnected'))
    await expect.poll(connectedNow, { timeout: 10_000 }).toEqual([expect.stringMatching(/^Client01: /)])
    await steady.send('churn is over')
    await server.log.waitFor('command', (e) => e.text === 'churn is over')
    expect(server.log.all('client_disconnected').length).toBe(server.log.all('client_connected').length - 1)
    await expect.poll(() => server.fds(), { timeout: 5_000 }).toBeLessThanOrEqual(fdsBefore)
    expect(await server.rssMb()).toBeLessThan(rssBefore + 50)
    expect(server.child.exitCode).toBeNull()
  })
})
