import { readdir } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { EXIT, startRelay, type TransferProgress } from '../../src/index.js'
import { SOCKLAB_BIN, runProcess, spawnProcess } from '../helpers/processes.js'
import { session } from '../helpers/sessions.js'
import { startTestServer, writeRandomFile } from '../helpers/test-server.js'

const MiB = 1024 * 1024

/** A progress hook that calls `onStart` once the file starts arriving. */
const onStart = (start: () => void): TransferProgress => ({ start, advance() {}, stop() {} })

describe('the relay (socklab relay)', () => {
  it('passes a whole session through: replies, a verified get, exit and end of stream', async () => {
    await using t = await startTestServer()
    const bytes = await writeRandomFile(t.files, 'eight.bin', 8 * MiB)
    await using relay = await startRelay({ host: '127.0.0.1', port: 0, to: { host: '127.0.0.1', port: t.port } })
    using a = await session(relay.port, { downloadDir: t.downloads })
    expect(await a.send('hello')).toEqual({ kind: 'text', text: 'hello ACK' })
    expect(await a.send('get eight.bin')).toMatchObject({ kind: 'saved', bytes: bytes.length, verified: true })
    expect(relay.connections).toBe(1)
    expect(await a.send('exit')).toMatchObject({ kind: 'bye', reason: 'exit' })
    await t.log.waitFor('client_disconnected', { client: 'Client01', reason: 'exit' })
    using b = await session(relay.port)
    b.abandon('end')
    await t.log.waitFor('client_disconnected', { client: 'Client02', reason: 'eof' })
  })

  it('resets both ends of a held get: the client reports it and saves nothing, the server logs it and frees the slot', async () => {
    await using t = await startTestServer({ maxClients: 1 })
    await writeRandomFile(t.files, 'big.bin', 64 * MiB)
    await using relay = await startRelay({ host: '127.0.0.1', port: 0, to: { host: '127.0.0.1', port: t.port } })
    using client = await session(relay.port, { downloadDir: t.downloads })
    let held!: () => void
    const started = new Promise<void>((resolve) => (held = resolve))
    const reply = client.send('get big.bin', { progress: onStart(() => (client.hold!(), held())) })
    await started
    expect(relay.reset()).toBe(1)
    const failed = await t.log.waitFor('transfer_failed', { client: 'Client01', file: 'big.bin' })
    expect(failed.bytes).toBeLessThan(64 * MiB)
    client.release!()
    await expect(reply).rejects.toMatchObject({ code: 'SOCKLAB_CONNECTION_LOST' })
    expect(await readdir(t.downloads)).toEqual([])
    await t.log.waitFor('client_disconnected', { client: 'Client01', reason: 'reset' })
    expect(t.server.registry.size).toBe(0)
    using next = await session(t.port)
    expect(next.clientName).toBe('Client02')
  })

  it('resets a get while the client is reading: nothing is left under any name', async () => {
    await using t = await startTestServer()
    await writeRandomFile(t.files, 'big.bin', 32 * MiB)
    await using relay = await startRelay({ host: '127.0.0.1', port: 0, to: { host: '127.0.0.1', port: t.port } })
    using client = await session(relay.port, { downloadDir: t.downloads })
    let received = 0
    const progress: TransferProgress = {
      start() {},
      advance(bytes) {
        received += bytes
        if (received >= 8 * MiB && relay.connections > 0) relay.reset()
      },
      stop() {},
    }
    await expect(client.send('get big.bin', { progress })).rejects.toMatchObject({ code: 'SOCKLAB_CONNECTION_LOST' })
    expect(await readdir(t.downloads)).toEqual([])
    await t.log.waitFor('transfer_failed', { file: 'big.bin' })
    await t.log.waitFor('client_disconnected', { client: 'Client01' })
    expect(t.server.registry.size).toBe(0)
  })

  it('as a command: says where it listens, resets on a "reset" line, refuses other lines and a bad --to', async () => {
    await using t = await startTestServer()
    await using relay = spawnProcess('node', [SOCKLAB_BIN, 'relay', '--host', '127.0.0.1', '--port', '0', '--to', `127.0.0.1:${t.port}`])
    await relay.waitForOutput('\n')
    const listening = JSON.parse(relay.stdout().split('\n')[0]!) as { type: string; port: number; to: string }
    expect(listening).toMatchObject({ type: 'listening', to: `127.0.0.1:${t.port}` })
    using client = await session(listening.port)
    expect(await client.send('hi')).toEqual({ kind: 'text', text: 'hi ACK' })
    relay.child.stdin.write('reboot\nreset\n')
    await relay.waitForOutput('"type":"reset"')
    const lines = relay.stdout().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(lines.slice(1)).toEqual([
      {
        type: 'error',
        message:
          'unknown control line "reboot": expected a JSON object ({"set": {…}}, {"clear": true}, {"reset": true}, {"when": …}, {"stats": true}) or the line reset',
      },
      { type: 'reset', connections: 1 },
    ])
    expect(await client.closed).toMatch(/ECONNRESET/)
    await t.log.waitFor('client_disconnected', { client: 'Client01', reason: 'reset' })

    const bad = await runProcess('node', [SOCKLAB_BIN, 'relay', '--to', 'nowhere'], '')
    expect(bad.code).toBe(EXIT.USAGE)
    expect(bad.stderr).toContain('--to must be host:port, got nowhere')
  })
})

describe('the JSON agent holding a get', () => {
  it('stops reading once the file starts, says so, and finishes the verified get when released', async () => {
    await using t = await startTestServer()
    await writeRandomFile(t.files, 'big.bin', 64 * MiB)
    await using agent = spawnProcess('node', [SOCKLAB_BIN, 'client', '--json', '--port', String(t.port), '--download-dir', t.downloads])
    await agent.waitForOutput('"type":"connected"')
    agent.child.stdin.write(`${JSON.stringify({ command: 'get big.bin', hold: true })}\n`)
    await agent.waitForOutput('"type":"held"')
    expect(agent.stdout()).toContain('{"type":"held","command":"get big.bin","name":"big.bin","size":67108864}')
    // Held: the server is mid-transfer and stays there.
    await t.log.waitFor('command', { client: 'Client01', command: 'get' })
    expect(t.log.all('transfer_completed')).toEqual([])
    agent.child.stdin.write(`${JSON.stringify({ release: true })}\n`)
    await agent.waitForOutput('"kind":"saved"')
    expect(agent.stdout()).toMatch(/"reply":\{"kind":"saved","name":"big\.bin","path":"[^"]+","bytes":67108864,"sha256":"[0-9a-f]{64}","verified":true\}/)
    await t.log.waitFor('transfer_completed', { client: 'Client01', file: 'big.bin' })
  })

  it('refuses to hold in compatible mode and stays connected', async () => {
    await using t = await startTestServer()
    await using agent = spawnProcess('node', [SOCKLAB_BIN, 'client', '--json', '--mode', 'compat', '--port', String(t.port)])
    await agent.waitForOutput('"type":"connected"')
    agent.child.stdin.write(`${JSON.stringify({ command: 'get hello.txt', hold: true })}\n${JSON.stringify({ command: 'hi' })}\n`)
    await agent.waitForOutput('"text":"hi ACK"')
    expect(agent.stdout()).toMatch(/"type":"error","command":"get hello.txt","code":"SOCKLAB_CONFIG_INVALID","message":"hold needs framed mode/)
  })

  it('with --standby: starts without connecting, and connects at {"connect": true}', async () => {
    await using t = await startTestServer()
    await using agent = spawnProcess('node', [SOCKLAB_BIN, 'client', '--json', '--standby', '--port', String(t.port)])
    await agent.waitForOutput('{"type":"standby"}')
    expect(t.log.all('client_connected')).toEqual([])
    expect(t.server.registry.size).toBe(0)
    agent.child.stdin.write(`${JSON.stringify({ connect: true })}\n`)
    await agent.waitForOutput('"type":"connected"')
    await t.log.waitFor('client_connected', { client: 'Client01' })
    agent.child.stdin.end()
    expect((await agent.exited).code).toBe(EXIT.OK)
  })
})
