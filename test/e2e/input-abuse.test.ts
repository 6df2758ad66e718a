import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { setTimeout as delay } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { encodeCommand, encodeFrameHeader, EventStream, FrameType, HELLO } from '../../src/index.js'
import { SOCKLAB_BIN, spawnProcess } from '../helpers/processes.js'
import { RawClient } from '../helpers/raw-client.js'
import { session } from '../helpers/sessions.js'
import { startTestServer, writeRandomFile } from '../helpers/test-server.js'

const MiB = 1024 * 1024

describe('abusive input: the server answers with an error and keeps serving everyone else', () => {
  it('a 1 MiB command without a newline is refused and closed; others are unaffected', async () => {
    await using t = await startTestServer()
    using bystander = await session(t.port)
    const abuser = await RawClient.connect(t.port)
    abuser.send(Buffer.alloc(MiB, 0x41))
    await abuser.closed()
    expect(abuser.received.toString()).toBe('Error: command exceeds the limit of 4096 bytes\n')
    expect((await t.log.waitFor('client_error', { client: 'Client02' })).code).toBe('COMMAND_TOO_LONG')
    expect(await bystander.send('still fine')).toEqual({ kind: 'text', text: 'still fine ACK' })
  })

  it('a frame announcing 1 MiB is refused from its header, before the payload is read', async () => {
    await using t = await startTestServer()
    const abuser = await RawClient.connect(t.port)
    abuser.send(Buffer.concat([HELLO, encodeFrameHeader(FrameType.COMMAND, MiB)]))
    await abuser.closed()
    expect((await t.log.waitFor('client_error', { client: 'Client01' })).code).toBe('COMMAND_TOO_LONG')
    await t.log.waitFor('client_disconnected', { client: 'Client01', reason: 'error' })
  })

  it('an unknown frame type closes only that connection', async () => {
    await using t = await startTestServer()
    using bystander = await session(t.port)
    const abuser = await RawClient.connect(t.port)
    abuser.send(Buffer.concat([HELLO, Buffer.from([0x7f, 0, 0, 0, 1, 0])]))
    await abuser.closed()
    expect((await t.log.waitFor('client_error', { client: 'Client02' })).code).toBe('BAD_FRAME')
    expect(await bystander.send('ok?')).toEqual({ kind: 'text', text: 'ok? ACK' })
  })

  it('control bytes are echoed and logged safely; empty lines are ignored; empty frames get EMPTY_COMMAND', async () => {
    await using t = await startTestServer()
    const raw = await RawClient.connect(t.port)
    raw.send('\n\n\r\n\u0001\u0002bell\u0007\u001b[31m\u007f\n')
    expect(await raw.reply('\u0001\u0002bell\u0007\u001b[31m\u007f ACK\n')).toBe('\u0001\u0002bell\u0007\u001b[31m\u007f ACK\n')
    const logged = await t.log.waitFor('command', { client: 'Client01' })
    expect(logged.text).toBe('\u0001\u0002bell\u0007\u001b[31m\u007f')
    using framed = await session(t.port)
    expect(await framed.send('')).toMatchObject({ kind: 'error', code: 'EMPTY_COMMAND' })
    expect(await framed.send('after')).toEqual({ kind: 'text', text: 'after ACK' })
  })

  it('invalid UTF-8 in a frame gets INVALID_UTF8 and the client goes on', async () => {
    await using t = await startTestServer()
    const raw = await RawClient.connect(t.port)
    raw.send(Buffer.concat([HELLO, encodeFrameHeader(FrameType.COMMAND, 3), Buffer.from([0xc3, 0x28, 0xff]), encodeCommand('fine')]))
    const received = await raw.until((r) => r.includes(Buffer.from('fine ACK')))
    expect(received.toString('latin1')).toContain('"code":"INVALID_UTF8"')
  })

  it('answers 10,000 commands pipelined in one write, in order, in both modes', async () => {
    await using t = await startTestServer()
    const count = 10_000
    const lines = Array.from({ length: count }, (_, i) => `m${i}`)
    const compat = await RawClient.connect(t.port)
    compat.send(`${lines.join('\n')}\n`)
    const expected = lines.map((l) => `${l} ACK\n`).join('')
    expect(await compat.reply(expected)).toBe(expected)

    const framed = await RawClient.connect(t.port)
    framed.send(Buffer.concat([HELLO, ...lines.map(encodeCommand)]))
    const replies = await framed.until((r) => r.toString('latin1').includes(`m${count - 1} ACK`))
    const texts = [...replies.toString('latin1').matchAll(/m(\d+) ACK/g)].map((m) => Number(m[1]))
    expect(texts).toEqual(lines.map((_, i) => i))
  })

  it('a client that never reads its replies stalls only itself; the server stays bounded in memory', async () => {
    // A server process of its own, so its memory can be read from /proc.
    const log = new EventStream()
    await using server = spawnProcess('node', [SOCKLAB_BIN, 'server', '--host', '127.0.0.1', '--port', '0', '--log-format', 'json'])
    server.child.stdout.on('data', (chunk: Buffer) => log.feed(chunk.toString('utf8')))
    const { port } = await log.waitFor('listening')
    const rss = async () => Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${server.child.pid}/status`, 'utf8'))![1]) / 1024
    const before = await rss()
    const hog = await RawClient.connect(port)
    hog.socket.pause() // never reads a reply
    const line = `${'x'.repeat(1000)}\n`
    // Keep writing until 32 MiB wait in the hog's own buffer: the server and the kernel took all they would.
    while (hog.socket.writableLength < 32 * MiB) hog.socket.write(line.repeat(64))
    await log.waitFor('command', { client: 'Client01' })
    using other = await session(port)
    expect(await other.send('served')).toEqual({ kind: 'text', text: 'served ACK' })
    const after = await rss()
    expect(after - before).toBeLessThan(40)
    hog.socket.destroy()
    await log.waitFor('client_disconnected', { client: 'Client01' })
  })
})

describe('slow senders and silent clients give their slots back', () => {
  it('a framed client trickling a frame byte by byte is cut off by the command timeout', async () => {
    await using t = await startTestServer({ commandTimeoutMs: 300, maxClients: 1 })
    const slow = await RawClient.connect(t.port)
    slow.send(HELLO)
    const frame = encodeCommand('status')
    let sent = 0
    // The trickle is the behaviour under test: a byte every 50 ms, never finishing in time.
    const trickle = setInterval(() => {
      if (sent < frame.length - 1 && !slow.ended) slow.send(frame.subarray(sent, ++sent))
    }, 50)
    try {
      expect((await t.log.waitFor('client_error', { client: 'Client01' })).code).toBe('COMMAND_TIMEOUT')
      await t.log.waitFor('client_disconnected', { client: 'Client01', reason: 'error' })
    } finally {
      clearInterval(trickle)
    }
    using next = await session(t.port)
    expect(next.clientName).toBe('Client02')
  })

  it('a line client (netcat style) trickling a line byte by byte is cut off too', async () => {
    await using t = await startTestServer({ commandTimeoutMs: 300, maxClients: 1 })
    const slow = await RawClient.connect(t.port)
    slow.send('hello\n')
    await slow.reply('hello ACK\n')
    const text = 'status-never-finished'
    let sent = 0
    const trickle = setInterval(() => {
      if (sent < text.length && !slow.ended) slow.send(text[sent++]!)
    }, 50)
    try {
      expect((await t.log.waitFor('client_error', { client: 'Client01' })).code).toBe('COMMAND_TIMEOUT')
      await slow.closed()
    } finally {
      clearInterval(trickle)
    }
    expect(t.log.all('command', { client: 'Client01' })).toHaveLength(1)
    using next = await session(t.port)
    expect(next.clientName).toBe('Client02')
  })

  it('a client in the bare framing trickling a byte at a time is cut off by --max-session-ms; others are served', async () => {
    await using t = await startTestServer({ maxSessionMs: 1_500, maxClients: 2 })
    const slow = await RawClient.connect(t.port)
    // Each byte after a pause is a whole command in the original framing, answered as such.
    const trickle = setInterval(() => {
      if (!slow.ended) slow.send('x')
    }, 50)
    try {
      await slow.reply('x ACK')
      // Meanwhile another client is served as usual (its own session has the same cap, counted from its connect).
      using other = await session(t.port)
      expect(await other.send('still here')).toEqual({ kind: 'text', text: 'still here ACK' })
      await t.log.waitFor('client_disconnected', { client: 'Client01', reason: 'timeout' })
      await slow.closed()
    } finally {
      clearInterval(trickle)
    }
    expect(t.log.all('command', { client: 'Client01' }).length).toBeGreaterThan(1)
    using next = await session(t.port)
    expect(next.clientName).toBe('Client03')
  })

  it('a silent client is disconnected after the idle timeout and its slot reused', async () => {
    await using t = await startTestServer({ idleTimeoutMs: 200, maxClients: 1 })
    const silent = await RawClient.connect(t.port)
    await silent.closed()
    await t.log.waitFor('client_disconnected', { client: 'Client01', reason: 'timeout' })
    using next = await session(t.port)
    expect(next.clientName).toBe('Client02')
  })

  it('a client that keeps talking is never idle, however long its session', async () => {
    await using t = await startTestServer({ idleTimeoutMs: 300 })
    using talker = await session(t.port)
    // Four idle timeouts long, a command every 100 ms: each one restarts the idle clock.
    for (let i = 0; i < 12; i += 1) {
      expect(await talker.send(`still here ${i}`)).toEqual({ kind: 'text', text: `still here ${i} ACK` })
      await delay(100)
    }
    expect(t.log.all('client_disconnected')).toEqual([])
    // Silent from here: the clock runs out.
    await t.log.waitFor('client_disconnected', { client: 'Client01', reason: 'timeout' })
  })

  it('a client being sent a file is not idle while it reads, however slowly', async () => {
    // The idle timeout is long enough for the server to open and hash the file on a loaded machine first.
    await using t = await startTestServer({ idleTimeoutMs: 1000 })
    await writeRandomFile(t.files, 'big.bin', 64 * MiB)
    const reader = connect({ port: t.port, host: '127.0.0.1' })
    await once(reader, 'connect')
    reader.write('get big.bin\n')
    reader.pause()
    // It says nothing more and takes 1 MiB every 100 ms, far slower than loopback carries: the server's
    // writes keep the session alive. (The kernel wakes a blocked sender only once a third of its buffer is
    // free, so the server's writes come about 200 ms apart at this rate, and further apart the slower it is.)
    let received = 0
    let allowed = 0
    reader.on('data', (chunk: Buffer) => {
      received += chunk.length
      if (received >= allowed) reader.pause()
    })
    for (let i = 0; i < 25; i += 1) {
      allowed += MiB
      reader.resume()
      await delay(100)
    }
    expect(received).toBeGreaterThan(0)
    expect(received).toBeLessThan(64 * MiB)
    expect(t.log.all('client_disconnected')).toEqual([])
    reader.destroy()
    await t.log.waitFor('client_disconnected', { client: 'Client01' })
  })
})
