import { describe, expect, it } from 'vitest'
import { SERVER_FULL } from '../../src/index.js'
import { RawClient } from '../helpers/raw-client.js'
import { session } from '../helpers/sessions.js'
import { startTestServer } from '../helpers/test-server.js'

describe('admission and slots', () => {
  it('rejects the 4th client with the original message and logs its address', async () => {
    await using t = await startTestServer()
    const admitted = [await session(t.port), await session(t.port), await session(t.port)]
    expect(admitted.map((s) => s.clientName)).toEqual(['Client01', 'Client02', 'Client03'])

    await expect(session(t.port)).rejects.toMatchObject({ code: 'SOCKLAB_SERVER_FULL', message: SERVER_FULL })
    const raw = await RawClient.connect(t.port)
    const rawPort = raw.socket.localPort
    await raw.closed()
    expect(raw.received.toString()).toBe(SERVER_FULL)

    const rejections = t.log.all('client_rejected')
    expect(rejections).toHaveLength(2)
    expect(rejections[1]).toMatchObject({ address: '127.0.0.1', port: rawPort, connected: 3, maxClients: 3 })
    expect(rejections[1]!.msg).toBe(`Rejected connection from ('127.0.0.1', ${rawPort}). Server is full.`)
    for (const s of admitted) expect(await s.send('still here')).toEqual({ kind: 'text', text: 'still here ACK' })
    admitted.forEach((s) => s.close())
  })

  it('never admits more than the limit when many connect at once', async () => {
    await using t = await startTestServer({ maxClients: 3 })
    const clients = await Promise.all(Array.from({ length: 40 }, () => RawClient.connect(t.port)))
    await t.log.waitFor('client_rejected', undefined, 37)
    expect(t.log.all('client_connected')).toHaveLength(3)
    expect(t.server.registry.size).toBe(3)
    const admittedPorts = new Set(t.log.all('client_connected').map((e) => e.port))
    const rejected = clients.filter((c) => !admittedPorts.has(c.socket.localPort!))
    expect(rejected).toHaveLength(37)
    await Promise.all(rejected.map((c) => c.closed()))
    expect(rejected.every((c) => c.received.toString() === SERVER_FULL)).toBe(true)
    clients.forEach((c) => c.socket.destroy())
  })

  it('frees the slot of a client that resets its socket; names continue', async () => {
    await using t = await startTestServer()
    const raws = [await RawClient.connect(t.port), await RawClient.connect(t.port), await RawClient.connect(t.port)]
    await t.log.waitFor('client_connected', undefined, 3)
    raws[1]!.socket.resetAndDestroy()
    const error = await t.log.waitFor('client_error', { client: 'Client02' })
    expect(error).toMatchObject({ code: 'ECONNRESET', msg: 'Error with Client02: [Errno 104] Connection reset by peer' })
    await t.log.waitFor('client_disconnected', { client: 'Client02', reason: 'reset' })
    expect(t.server.registry.size).toBe(2)
    using next = await session(t.port)
    expect(next.clientName).toBe('Client04')
    expect(t.log.all('client_disconnected', { client: 'Client02' })).toHaveLength(1)
    raws.forEach((r) => r.socket.destroy())
  })

  it('frees the slot of an idle client; a framed client is told why', async () => {
    await using t = await startTestServer({ idleTimeoutMs: 150, maxClients: 2 })
    const silent = await RawClient.connect(t.port)
    const framed = await session(t.port)
    await silent.closed()
    expect(await framed.closed).toMatch(/idle for 150 ms \(timeout\)/)
    await t.log.waitFor('client_disconnected', { client: 'Client01', reason: 'timeout' })
    await t.log.waitFor('client_disconnected', { client: 'Client02', reason: 'timeout' })
    expect(t.server.registry.size).toBe(0)
    using next = await session(t.port)
    expect(next.clientName).toBe('Client03')
  })

  it('frees a slot on end of stream without exit', async () => {
    await using t = await startTestServer({ maxClients: 1 })
    const raw = await RawClient.connect(t.port)
    raw.socket.end()
    await t.log.waitFor('client_disconnected', { client: 'Client01', reason: 'eof' })
    using next = await session(t.port)
    expect(next.clientName).toBe('Client02')
  })

  it('keeps serving others while one client streams a file it never reads', async () => {
    await using t = await startTestServer({ maxClients: 2 })
    const { writeRandomFile } = await import('../helpers/test-server.js')
    await writeRandomFile(t.files, 'big.bin', 32 * 1024 * 1024)
    const hog = await RawClient.connect(t.port)
    hog.socket.pause()
    hog.send('get big.bin')
    await t.log.waitFor('command', { client: 'Client01', command: 'get' })
    using other = await session(t.port)
    expect(await other.send('status')).toMatchObject({ kind: 'text' })
    expect(await other.send('ping')).toEqual({ kind: 'text', text: 'ping ACK' })
    hog.socket.destroy()
    await t.log.waitFor('client_disconnected', { client: 'Client01' })
  })
})
