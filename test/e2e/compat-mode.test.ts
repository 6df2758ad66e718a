import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { RawClient } from '../helpers/raw-client.js'
import { startTestServer } from '../helpers/test-server.js'

const DATETIME = String.raw`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?`

describe('compatible mode: a raw socket speaking like the original client', () => {
  it('gets the original replies byte for byte', async () => {
    await using t = await startTestServer()
    const raw = await RawClient.connect(t.port)
    const port = raw.socket.localPort

    raw.send('hello')
    expect(await raw.reply('hello ACK')).toBe('hello ACK')

    raw.send('status')
    const status = (await raw.until((r) => r.toString().includes('Connected at') && /\d$/.test(r.toString()))).toString()
    expect(status).toMatch(new RegExp(`^Client01: \\('127\\.0\\.0\\.1', ${port}\\) - Connected at ${DATETIME}$`))

    raw.send('list')
    expect(await raw.reply('hello.txt\nsocklab.png')).toBe('hello.txt\nsocklab.png')

    const png = await readFile(join(t.files, 'socklab.png'))
    raw.send('get socklab.png')
    expect((await raw.until((r) => r.length >= png.length)).equals(png)).toBe(true)

    raw.send('get nope.txt')
    expect(await raw.reply('File not found')).toBe('File not found')
    raw.send('get ../package.json')
    expect(await raw.reply('File not found')).toBe('File not found')

    raw.send('exit')
    await raw.closed()
    expect(raw.received.length).toBe(0)
    const bye = await t.log.waitFor('client_disconnected', { client: 'Client01' })
    expect(bye).toMatchObject({ reason: 'exit', msg: 'Client01 disconnected.' })
    expect(t.log.all('protocol_selected')[0]).toMatchObject({ mode: 'compat' })
  })

  it('answers "No files available." for an empty folder', async () => {
    await using t = await startTestServer()
    const { rm } = await import('node:fs/promises')
    await rm(join(t.files, 'hello.txt'))
    await rm(join(t.files, 'socklab.png'))
    const raw = await RawClient.connect(t.port)
    raw.send('list')
    expect(await raw.reply('No files available.')).toBe('No files available.')
  })

  it('takes netcat-style lines (\\n and \\r\\n, several in one write) and ends each reply with a newline', async () => {
    await using t = await startTestServer()
    const raw = await RawClient.connect(t.port)
    raw.send('hello\r\nlist\nget nope\n\nworld\n')
    const expected = 'hello ACK\nhello.txt\nsocklab.png\nFile not found\nworld ACK\n'
    expect(await raw.reply(expected)).toBe(expected)
    raw.send('exit\n')
    await raw.closed()
    await t.log.waitFor('client_disconnected', { reason: 'exit' })
  })

  it('answers every command written before the client half-closes (printf | nc)', async () => {
    await using t = await startTestServer()
    const raw = await RawClient.connect(t.port)
    raw.socket.end('one\ntwo\nthree')
    await raw.closed()
    expect(raw.received.toString()).toBe('one ACK\ntwo ACK\nthree ACK')
    await t.log.waitFor('client_disconnected', { reason: 'eof' })
  })

  it('answers invalid UTF-8 with an error and keeps serving the same client', async () => {
    await using t = await startTestServer()
    const raw = await RawClient.connect(t.port)
    raw.send(Buffer.from([0xff, 0xfe, 0x80, 0x0a]))
    expect(await raw.reply('Error: command is not valid UTF-8\n')).toBe('Error: command is not valid UTF-8\n')
    raw.send('still here\n')
    expect(await raw.reply('still here ACK\n')).toBe('still here ACK\n')
  })

  it('refuses an over-long command with an error and closes, while another client is unaffected', async () => {
    await using t = await startTestServer({ maxCommandLength: 1024 })
    const other = await RawClient.connect(t.port)
    const abuser = await RawClient.connect(t.port)
    abuser.send(Buffer.alloc(256 * 1024, 0x61))
    await abuser.closed()
    expect(abuser.received.toString()).toBe('Error: command exceeds the limit of 1024 bytes\n')
    const error = await t.log.waitFor('client_error', { client: 'Client02' })
    expect(error.code).toBe('COMMAND_TOO_LONG')
    await t.log.waitFor('client_disconnected', { client: 'Client02', reason: 'error' })
    other.send('ping\n')
    expect(await other.reply('ping ACK\n')).toBe('ping ACK\n')
  })
})
