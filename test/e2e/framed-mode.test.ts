import { createHash } from 'node:crypto'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { HELLO } from '../../src/index.js'
import { RawClient } from '../helpers/raw-client.js'
import { session } from '../helpers/sessions.js'
import { startTestServer, writeRandomFile } from '../helpers/test-server.js'

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

describe('framed mode: the socklab client', () => {
  it('speaks framed mode and runs every command', async () => {
    await using t = await startTestServer()
    using client = await session(t.port, { downloadDir: t.downloads })
    expect(client.mode).toBe('framed')
    expect(client.clientName).toBe('Client01')
    await t.log.waitFor('protocol_selected', { client: 'Client01', mode: 'framed' })

    expect(await client.send('hello')).toEqual({ kind: 'text', text: 'hello ACK' })
    expect(await client.send('')).toMatchObject({ kind: 'error', code: 'EMPTY_COMMAND' })
    const status = await client.send('status')
    expect(status).toMatchObject({ kind: 'text', text: expect.stringMatching(/^Client01: \('127\.0\.0\.1', \d+\) - Connected at /) })
    expect(await client.send('list')).toEqual({ kind: 'text', text: 'hello.txt\nsocklab.png' })

    const png = await readFile(join(t.files, 'socklab.png'))
    const saved = await client.send('get socklab.png')
    expect(saved).toMatchObject({ kind: 'saved', name: 'socklab.png', bytes: png.length, sha256: sha256(png), verified: true })
    expect((await readFile(join(t.downloads, 'socklab.png'))).equals(png)).toBe(true)
    const completed = await t.log.waitFor('transfer_completed', { file: 'socklab.png' })
    expect(completed).toMatchObject({ client: 'Client01', bytes: png.length, sha256: sha256(png), mode: 'framed' })

    expect(await client.send('get missing.bin')).toMatchObject({ kind: 'error', code: 'FILE_NOT_FOUND' })
    expect(await client.send('exit')).toMatchObject({ kind: 'bye', reason: 'exit' })
    expect(await client.closed).toBe('exit')
    await t.log.waitFor('client_disconnected', { client: 'Client01', reason: 'exit' })
  })

  it('fetches a 20 MiB random binary and verifies every byte', async () => {
    await using t = await startTestServer()
    const bytes = await writeRandomFile(t.files, 'random.bin', 20 * 1024 * 1024)
    using client = await session(t.port, { downloadDir: t.downloads })
    const saved = await client.send('get random.bin')
    expect(saved).toMatchObject({ kind: 'saved', bytes: bytes.length, sha256: sha256(bytes), verified: true })
    expect(sha256(await readFile(join(t.downloads, 'random.bin')))).toBe(sha256(bytes))
    expect((await t.log.waitFor('transfer_completed', { file: 'random.bin' })).sha256).toBe(sha256(bytes))
    expect(await readdir(t.downloads)).toEqual(['random.bin'])
  })

  it('fetches an empty file', async () => {
    await using t = await startTestServer()
    await writeRandomFile(t.files, 'empty.bin', 0)
    using client = await session(t.port, { downloadDir: t.downloads })
    expect(await client.send('get empty.bin')).toMatchObject({ kind: 'saved', bytes: 0, sha256: sha256(Buffer.alloc(0)) })
  })

  it.each(['../package.json', '/etc/passwd', '..\\package.json', 'a/../../x', 'x\u0000y', '..', '.'])(
    'refuses %j without sending a byte of it',
    async (name) => {
      await using t = await startTestServer()
      using client = await session(t.port, { downloadDir: t.downloads })
      expect(await client.send(`get ${name}`)).toMatchObject({ kind: 'error', code: 'PATH_REFUSED' })
      expect(await t.log.waitFor('file_refused', { code: 'PATH_REFUSED' })).toMatchObject({ file: name })
      expect(t.log.all('transfer_completed')).toEqual([])
      expect(await readdir(t.downloads)).toEqual([])
    },
  )

  it('refuses a symbolic link that points out of the folder', async () => {
    await using t = await startTestServer()
    const { symlink } = await import('node:fs/promises')
    await symlink('/etc/hostname', join(t.files, 'escape.txt'))
    using client = await session(t.port, { downloadDir: t.downloads })
    expect(await client.send('get escape.txt')).toMatchObject({ kind: 'error', code: 'PATH_REFUSED' })
  })

  it('shows recent disconnects in status', async () => {
    await using t = await startTestServer()
    const first = await session(t.port)
    await first.send('exit')
    await t.log.waitFor('client_disconnected', { client: 'Client01' })
    using second = await session(t.port)
    const status = await second.send('status')
    expect(status).toMatchObject({ kind: 'text' })
    const lines = (status as { text: string }).text.split('\n')
    expect(lines[0]).toMatch(/^Client02: /)
    expect(lines[1]).toMatch(/^Client01: .* - Disconnected at .* \(exit\)$/)
  })

  it('answers an over-long framed command with COMMAND_TOO_LONG and closes only that client', async () => {
    await using t = await startTestServer({ maxCommandLength: 64 })
    using other = await session(t.port)
    using abuser = await session(t.port)
    expect(await abuser.send('x'.repeat(65))).toMatchObject({ kind: 'error', code: 'COMMAND_TOO_LONG' })
    expect(await abuser.closed).toMatch(/error/)
    await t.log.waitFor('client_disconnected', { client: 'Client02', reason: 'error' })
    expect(await other.send('x'.repeat(64))).toMatchObject({ kind: 'text' })
  })

  it('times out a frame that is never finished and frees the slot', async () => {
    await using t = await startTestServer({ commandTimeoutMs: 100, maxClients: 1 })
    const slow = await RawClient.connect(t.port)
    slow.send(Buffer.concat([HELLO, Buffer.from([0x01, 0, 0, 0, 10]), Buffer.from('abc')]))
    expect((await t.log.waitFor('client_error', { client: 'Client01' })).code).toBe('COMMAND_TIMEOUT')
    await t.log.waitFor('client_disconnected', { client: 'Client01', reason: 'error' })
    using next = await session(t.port)
    expect(next.clientName).toBe('Client02')
  })
})
