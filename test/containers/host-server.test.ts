import { describe, expect, inject, it } from 'vitest'
import { ORIGINAL_SERVER, freePort, runProcess, spawnProcess } from '../helpers/processes.js'
import { startTestServer } from '../helpers/test-server.js'
import { runClientContainer } from './helpers/socklab-containers.js'

// A server outside the lab network, on the Docker host itself: what a user does to reach a LAN server.
const HOST_GATEWAY = ['host.docker.internal:host-gateway']

describe('a client container against a server on the Docker host', () => {
  it('talks framed mode to a socklab server process on the host', async () => {
    await using t = await startTestServer({ host: '0.0.0.0' })
    const run = await runClientContainer(
      inject('image'),
      ['--host', 'host.docker.internal', '--port', String(t.port), '--download-dir', '/tmp', '-c', 'hello', '-c', 'get socklab.png'],
      { extraHosts: HOST_GATEWAY },
    )
    expect(run.exitCode, run.stderr).toBe(0)
    expect(run.stdout).toContain('Server: hello ACK\n')
    expect(run.stdout).toMatch(/Server: saved socklab\.png \(8334 bytes, sha256 [0-9a-f]{64}\)\n/)
    const connected = await t.log.waitFor('client_connected')
    expect(connected.address).not.toBe('127.0.0.1')
    expect((await t.log.waitFor('protocol_selected')).mode).toBe('framed')
  })

  it("saves a get as the README's LAN-client command runs it: no --download-dir, the image's own folder", async () => {
    await using t = await startTestServer({ host: '0.0.0.0' })
    // The README's command with the test's image and port: the docker CLI itself, as a user types it.
    const command = `printf 'get socklab.png\\nexit\\n' | docker run --rm -i --add-host host.docker.internal:host-gateway ${inject('image')} client --host host.docker.internal --port ${t.port}`
    const run = await runProcess('bash', ['-c', command], '')
    expect(run.code, run.stdout + run.stderr).toBe(0)
    expect(run.stdout).toMatch(/Server: saved socklab\.png \(8334 bytes, sha256 [0-9a-f]{64}\)\n/)
  })

  it('tells a container client given 127.0.0.1 that this is the container itself', async () => {
    const run = await runClientContainer(inject('image'), ['--host', '127.0.0.1', '--port', '12345', '-c', 'hello'], {})
    expect(run.exitCode).toBe(2)
    expect(run.stderr).toMatch(/ECONNREFUSED 127\.0\.0\.1:12345 \(inside a container, 127\.0\.0\.1 is the container itself: .*--add-host host\.docker\.internal:host-gateway/)
  })

  it('falls back to compatible mode against the original Python server on the host', async () => {
    await using t = await startTestServer()
    const port = await freePort()
    await using original = spawnProcess('python3', ['-u', ORIGINAL_SERVER, String(port), t.files])
    await original.waitForOutput('Server listening')
    const run = await runClientContainer(
      inject('image'),
      ['--host', 'host.docker.internal', '--port', String(port), '--download-dir', '/tmp', '-c', 'hello', '-c', 'list', '-c', 'get hello.txt'],
      { extraHosts: HOST_GATEWAY },
    )
    expect(run.exitCode, run.stderr).toBe(0)
    expect(run.stdout).toContain('Server: hello ACK\n')
    expect(run.stdout).toMatch(/Server: saved hello\.txt \(102 bytes, sha256 [0-9a-f]{64}; not verified/)
    await original.waitForOutput('Client01 disconnected.')
  })
})
