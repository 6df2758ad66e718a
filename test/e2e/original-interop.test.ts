import { createHash } from 'node:crypto'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ORIGINAL_CLIENT, ORIGINAL_SERVER, freePort, runProcess, spawnProcess } from '../helpers/processes.js'
import { session } from '../helpers/sessions.js'
import { startTestServer } from '../helpers/test-server.js'

// The original is Python: these tests need python3 and fail (never skip) without it.
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

describe('wire compatibility with the original Python system', () => {
  it('the socklab client falls back to compatible mode against the original server', async () => {
    await using t = await startTestServer()
    const port = await freePort()
    await using original = spawnProcess('python3', ['-u', ORIGINAL_SERVER, String(port), t.files])
    await original.waitForOutput(`Server listening on 0.0.0.0:${port}`)

    using client = await session(port, { downloadDir: t.downloads })
    expect(client.mode).toBe('compat')
    expect(await client.send('hello')).toEqual({ kind: 'text', text: 'hello ACK' })
    expect(await client.send('status')).toMatchObject({ kind: 'text', text: expect.stringMatching(/^Client01: \('127\.0\.0\.1', \d+\) - Connected at /) })
    const listed = await client.send('list')
    expect((listed as { text: string }).text.split('\n').sort()).toEqual(['hello.txt', 'socklab.png'])

    const png = await readFile(join(t.files, 'socklab.png'))
    expect(await client.send('get socklab.png')).toMatchObject({ kind: 'saved', bytes: png.length, sha256: sha256(png), verified: false })
    expect(await client.send('get nope')).toEqual({ kind: 'text', text: 'File not found' })
    expect(await client.send('exit')).toMatchObject({ kind: 'bye' })
    await original.waitForOutput('Client01 disconnected.')
    expect(await readdir(t.downloads)).toEqual(['socklab.png'])
  })

  it('the socklab client reports "Server is full" from the original server', async () => {
    await using t = await startTestServer()
    const port = await freePort()
    await using original = spawnProcess('python3', ['-u', ORIGINAL_SERVER, String(port), t.files])
    await original.waitForOutput('Server listening')
    const admitted = [await session(port), await session(port), await session(port)]
    await expect(session(port)).rejects.toMatchObject({ code: 'SOCKLAB_SERVER_FULL' })
    await original.waitForOutput('Server is full.')
    admitted.forEach((s) => s.close())
  })

  it('the original client works against the socklab server, unchanged', async () => {
    await using t = await startTestServer()
    const run = await runProcess('python3', ['-u', ORIGINAL_CLIENT, '127.0.0.1', String(t.port)], 'hello\nstatus\nlist\nget hello.txt\nget ../x\nexit\n')
    const text = await readFile(join(t.files, 'hello.txt'), 'utf8')
    const lines = run.stdout.split('You: ')
    expect(lines[0]).toBe(
      "Connected to server. Type messages, 'status' for server status, 'list' for files, 'get <filename>' to download, 'exit' to disconnect.\n",
    )
    expect(lines[1]).toBe('Server: hello ACK\n')
    expect(lines[2]).toMatch(/^Server: Client01: \('127\.0\.0\.1', \d+\) - Connected at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?\n$/)
    expect(lines[3]).toBe('Server: hello.txt\nsocklab.png\n')
    expect(lines[4]).toBe(`Server: ${text}\n`)
    expect(lines[5]).toBe('Server: File not found\n')
    expect(lines[6]).toBe('Disconnected from server.\n')
    await t.log.waitFor('client_disconnected', { client: 'Client01', reason: 'exit' })
    expect(t.log.all('protocol_selected')[0]).toMatchObject({ mode: 'compat' })
  })
})
