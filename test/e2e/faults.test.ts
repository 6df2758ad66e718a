import { readdir } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { EXIT } from '../../src/index.js'
import { SOCKLAB_BIN, freePort, spawnProcess } from '../helpers/processes.js'
import { session } from '../helpers/sessions.js'
import { startTestServer, writeRandomFile } from '../helpers/test-server.js'

const MiB = 1024 * 1024

describe('faults during a session', () => {
  it('a client killed in the middle of a get: the server logs the failed transfer and frees the slot', async () => {
    await using t = await startTestServer({ maxClients: 1 })
    await writeRandomFile(t.files, 'big.bin', 256 * MiB)
    await using client = spawnProcess('node', [SOCKLAB_BIN, 'client', '--port', String(t.port), '--download-dir', t.downloads])
    client.child.stdin.write('get big.bin\n')
    await t.log.waitFor('command', { client: 'Client01', command: 'get' })
    client.child.kill('SIGKILL')
    await t.log.waitFor('transfer_failed', { client: 'Client01', file: 'big.bin' })
    await t.log.waitFor('client_disconnected', { client: 'Client01' })
    // A killed client cannot tidy up its temporary file, but the final name never appears.
    expect((await readdir(t.downloads)).filter((name) => name === 'big.bin')).toEqual([])
    using next = await session(t.port)
    expect(next.clientName).toBe('Client02')
  })

  it('a server restart: connected clients are told, a retrying client gets back in once it is up', async () => {
    const port = await freePort()
    // A fixed port, so the restarted server is found where the client keeps trying.
    const server1 = spawnProcess('node', [SOCKLAB_BIN, 'server', '--host', '127.0.0.1', '--port', String(port), '--log-format', 'plain'])
    await server1.waitForOutput('Server listening')
    const connected = await session(port)
    server1.child.kill('SIGTERM')
    expect((await server1.exited).code).toBe(0)
    expect(await connected.closed).toMatch(/server is shutting down/)

    await using retrying = spawnProcess('node', [SOCKLAB_BIN, 'client', '--port', String(port), '--retry', '50', '--retry-delay-ms', '100', '-c', 'hello'])
    // It is refused while nothing listens, and says so on standard error...
    await new Promise<void>((resolve) => {
      const check = (chunk: Buffer) => {
        if (!chunk.toString().includes('trying again')) return
        retrying.child.stderr.off('data', check)
        resolve()
      }
      retrying.child.stderr.on('data', check)
    })
    // ...and gets in as soon as the server is back.
    await using server2 = spawnProcess('node', [SOCKLAB_BIN, 'server', '--host', '127.0.0.1', '--port', String(port), '--log-format', 'plain'])
    await server2.waitForOutput('Server listening')
    const run = await retrying.exited
    expect(run.code).toBe(EXIT.OK)
    expect(run.stdout).toContain('Server: hello ACK')
    expect(run.stderr).toMatch(/ECONNREFUSED.*trying again in 100 ms/)
  })
})
