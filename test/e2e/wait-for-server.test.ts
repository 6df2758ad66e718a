import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import { EXIT } from '../../src/index.js'
import { SOCKLAB_BIN, freePort, spawnProcess } from '../helpers/processes.js'
import { startServerProcess } from '../helpers/server-process.js'
import { startTestServer } from '../helpers/test-server.js'
import { session } from '../helpers/sessions.js'

/**
 * --wait-for-server-ms: a client started with its server (Docker Swarm starts them in any order) waits for
 * the server to come up, and connects once; a full server is never waited for, so the fourth client of
 * the scale demo stays rejected.
 */
describe('socklab client --wait-for-server-ms', () => {
  it('waits for a server that is not up yet, then runs its session', async () => {
    const port = await freePort()
    await using client = spawnProcess('node', [SOCKLAB_BIN, 'client', '--port', String(port), '--wait-for-server-ms', '30000', '-c', 'hello'])
    client.child.stdin.end()
    let stderr = ''
    client.child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    while (!stderr.includes('waiting up to 30000 ms for the server')) await once(client.child.stderr, 'data')
    await using server = await startServerProcess(['--port', String(port)])
    const run = await client.exited
    expect(run.code, run.stderr).toBe(EXIT.OK)
    expect(run.stdout).toContain('Server: hello ACK')
    // One connection, the session's: waiting made no extra connection the server counted. Counted once the
    // session's last event is in the log (lines are written in order, in batches).
    await server.log.waitFor('client_disconnected')
    expect(server.log.all('client_connected')).toHaveLength(1)
  })

  it('does not wait for a full server: the client is turned away at once', async () => {
    await using t = await startTestServer({ maxClients: 1 })
    const first = await session(t.port)
    await using client = spawnProcess('node', [SOCKLAB_BIN, 'client', '--port', String(t.port), '--wait-for-server-ms', '60000', '-c', 'hello'])
    client.child.stdin.end()
    const run = await client.exited
    expect(run.code).toBe(EXIT.SERVER_FULL)
    expect(run.stdout).toContain('Server is full')
    expect(t.log.all('client_rejected')).toHaveLength(1)
    first.close()
  })
})
