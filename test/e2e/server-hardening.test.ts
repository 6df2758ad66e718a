import { once } from 'node:events'
import { rm } from 'node:fs/promises'
import { connect, type Socket } from 'node:net'
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { encodeCommand, HELLO, SERVER_FULL, startServer } from '../../src/index.js'
import { RawClient } from '../helpers/raw-client.js'
import { session } from '../helpers/sessions.js'
import { startServerProcess } from '../helpers/server-process.js'
import { startTestServer, writeRandomFile } from '../helpers/test-server.js'

describe('a fast-sending, slow-reading client (the command timer runs only while the server reads)', () => {
  it.each(['framed', 'compat'] as const)('%s: 100 gets and half an exit in one write, nothing read for longer than the command timeout: all 100 files arrive', async (mode) => {
    await using t = await startTestServer({ commandTimeoutMs: 1_000 })
    await writeRandomFile(t.files, 'big.bin', 1024 * 1024)
    const socket = connect({ port: t.port, host: '127.0.0.1' })
    await once(socket, 'connect')
    let received = 0
    socket.on('data', (chunk: Buffer) => (received += chunk.length))
    // Not reading: 100 MiB of replies back up, the server's queue fills and it stops reading our commands.
    socket.pause()
    const get = 'get big.bin'
    const exit = mode === 'framed' ? encodeCommand('exit') : Buffer.from('exit\n')
    socket.write(
      mode === 'framed'
        ? Buffer.concat([HELLO, ...Array.from({ length: 100 }, () => encodeCommand(get)), exit.subarray(0, 3)])
        : Buffer.from(`${`${get}\n`.repeat(100)}ex`),
    )
    await t.log.waitFor('command', { command: 'get' }, 2)
    // Longer than the command timeout while the server is the one not reading. The server's own timer is
    // what is tested: a second client's round trip after the wait proves the server's clock moved on.
    await new Promise<void>((resolve) => setTimeout(resolve, 1_500))
    using probe = await session(t.port)
    expect(await probe.send('tick')).toEqual({ kind: 'text', text: 'tick ACK' })
    socket.resume()
    socket.write(exit.subarray(mode === 'framed' ? 3 : 2))
    await once(socket, 'close')
    const completed = t.log.all('transfer_completed', { client: 'Client01' })
    expect(t.log.all('client_error')).toEqual([])
    expect(completed).toHaveLength(100)
    expect(received).toBeGreaterThanOrEqual(100 * 1024 * 1024)
    expect(await t.log.waitFor('client_disconnected', { client: 'Client01' })).toMatchObject({ reason: 'exit' })
  })

  it('a client that stops mid-command while the server reads is still cut off after the command timeout', async () => {
    await using t = await startTestServer({ commandTimeoutMs: 300 })
    const raw = await RawClient.connect(t.port)
    raw.send(Buffer.concat([HELLO, encodeCommand('hello').subarray(0, 4)]))
    expect(await t.log.waitFor('client_error', { client: 'Client01' })).toMatchObject({ code: 'COMMAND_TIMEOUT' })
    await raw.closed()
  })
})

describe('more connections than the server holds open', () => {
  it('every attempt while full is answered "Server is full", or counted in connections_dropped: none vanishes', async () => {
    const log = new PassThrough()
    let text = ''
    log.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')))
    await using server = await startServer({ host: '127.0.0.1', port: 0, maxClients: 1, maxConnections: 40, rejectLingerMs: 30_000, logFormat: 'json', files: 'server_files' }, { logStream: log })
    using admitted = await session(server.port)
    // 100 connections held open (each reads its answer and keeps its end open): the 40-connection cap is hit.
    const sockets: Socket[] = []
    const answers = await Promise.all(Array.from({ length: 100 }, () => heldOpen(server.port, sockets)))
    const told = answers.filter((a) => a === SERVER_FULL).length
    const silent = answers.filter((a) => a === '').length
    expect(told + silent).toBe(100)
    const events = text.trim().split('\n').map((line) => JSON.parse(line) as { event: string; dropped?: number })
    await expect.poll(() => {
      const lines = text.trim().split('\n').map((line) => JSON.parse(line) as { event: string; dropped?: number })
      return lines.filter((e) => e.event === 'connections_dropped').reduce((sum, e) => sum + (e.dropped ?? 0), 0)
    }).toBe(silent)
    expect(events.filter((e) => e.event === 'client_rejected')).toHaveLength(told)
    expect(silent).toBeGreaterThan(0)
    for (const socket of sockets) socket.destroy()
    expect(await admitted.send('still here')).toEqual({ kind: 'text', text: 'still here ACK' })
  })

  it('by default the cap follows the open-file limit, so 1,300 connections held open at once are all told', async () => {
    await using t = await startTestServer({ maxClients: 1, rejectLingerMs: 30_000 })
    using admitted = await session(t.port)
    const sockets: Socket[] = []
    const answers: string[] = []
    // In waves of 100 (a burst of 1,300 SYNs would only test the listen backlog), each held open afterwards.
    for (let wave = 0; wave < 13; wave += 1) {
      answers.push(...(await Promise.all(Array.from({ length: 100 }, () => heldOpen(t.port, sockets)))))
    }
    expect(sockets.filter((socket) => !socket.destroyed)).toHaveLength(1_300)
    expect(answers.filter((a) => a === SERVER_FULL)).toHaveLength(1_300)
    await t.log.waitFor('client_rejected', undefined, 1_300)
    expect(t.log.all('connections_dropped')).toEqual([])
    for (const socket of sockets) socket.destroy()
    expect(await admitted.send('still here')).toEqual({ kind: 'text', text: 'still here ACK' })
  })
})

/** A connection that reads the server's answer up to its end of stream, and keeps its own end open. */
function heldOpen(port: number, sockets: Socket[]): Promise<string> {
  return new Promise<string>((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true })
    sockets.push(socket)
    let got = ''
    socket.on('data', (chunk: Buffer) => (got += chunk.toString('utf8')))
    socket.on('error', () => undefined)
    socket.on('end', () => resolve(got))
    socket.on('close', () => resolve(got))
  })
}

describe('rejected connections whose clients never close', () => {
  it('are closed by the server once --reject-linger-ms has passed, every one of them', async () => {
    await using server = await startServerProcess(['--max-clients', '1', '--reject-linger-ms', '300'])
    using admitted = await session(server.port)
    const baseline = await server.fds()
    const sockets: Socket[] = []
    for (let wave = 0; wave < 3; wave += 1) {
      const answers = await Promise.all(Array.from({ length: 5 }, () => heldOpen(server.port, sockets)))
      expect(answers).toEqual(Array.from({ length: 5 }, () => SERVER_FULL))
    }
    // Held open by their clients, the 15 sockets are still there; the one sweep closes them all.
    expect(await server.fds()).toBeGreaterThan(baseline)
    await expect.poll(() => server.fds(), { timeout: 5_000, interval: 50 }).toBe(baseline)
    for (const socket of sockets) socket.destroy()
    expect(await admitted.send('still here')).toEqual({ kind: 'text', text: 'still here ACK' })
  })
})

describe('log lines for people cannot be forged', () => {
  it('pretty (the terminal and compose default): a command with a newline stays on its one line, escaped', async () => {
    const log = new PassThrough()
    let text = ''
    log.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')))
    await using server = await startServer({ host: '127.0.0.1', port: 0, logFormat: 'pretty', files: 'server_files' }, { logStream: log })
    const forged = "hi\n[12:00:00.000] INFO: client_connected: Client09 connected from ('6.6.6.6', 1)"
    const raw = await RawClient.connect(server.port)
    raw.send(Buffer.concat([HELLO, encodeCommand(forged), encodeCommand('exit')]))
    await raw.closed()
    await server.stop()
    const lines = text.split('\n')
    expect(lines.filter((line) => line.includes('6.6.6.6'))).toHaveLength(1)
    expect(lines.find((line) => line.includes('6.6.6.6'))).toMatch(/command: Client01: hi\\x0a\[12:00:00\.000\] INFO/)
    expect(lines.some((line) => line.startsWith('[12:00:00.000]'))).toBe(false)
  })
})

describe('list when the served folder has gone', () => {
  it.each(['framed', 'compat'] as const)('%s: an error reply (FILES_UNAVAILABLE), and the session carries on', async (mode) => {
    await using t = await startTestServer()
    using s = await session(t.port, { mode: mode === 'framed' ? 'framed' : 'compat' })
    await rm(t.files, { recursive: true })
    const reply = await s.send('list')
    if (mode === 'framed') expect(reply).toMatchObject({ kind: 'error', code: 'FILES_UNAVAILABLE' })
    else expect(reply).toMatchObject({ kind: 'text', text: expect.stringMatching(/^Error: the served folder cannot be read/) })
    expect(await s.send('hello')).toEqual({ kind: 'text', text: 'hello ACK' })
    expect(await t.log.waitFor('files_unavailable')).toMatchObject({ client: 'Client01' })
  })
})
