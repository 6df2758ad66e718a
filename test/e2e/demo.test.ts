import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EXIT } from '../../src/index.js'
import { SOCKLAB_BIN, runProcess, spawnProcess } from '../helpers/processes.js'

describe('socklab demo --local', () => {
  it('turns exactly one client away however far apart the clients start, with the server log streamed beside them', async () => {
    // 1.5 s apart: each admitted client's session is over long before the fourth arrives, so only holding
    // the slot until the rejection keeps them overlapping.
    const run = await runProcess('node', [SOCKLAB_BIN, 'demo', '--local', '--stagger-ms', '1500'], '', { NO_COLOR: '1' })
    expect(run.code, run.stdout + run.stderr).toBe(EXIT.OK)
    const lines = run.stdout.split('\n')
    expect(lines.filter((l) => /^client\d +\| Server: Server is full\. Try again later\.$/.test(l))).toHaveLength(1)
    expect(lines.filter((l) => /^server +\| Client0\d connected from /.test(l))).toHaveLength(3)
    expect(run.stdout).toContain('client exit codes: client1 0, client2 0, client3 0, client4 3')
    expect(run.stdout).toMatch(/Demo finished: 3 clients served, 1 told the server is full \(client4\)\.\n$/)
    // Streamed as it happens: the rejection is logged before the first admitted client leaves.
    const rejected = lines.findIndex((l) => /^server +\| Rejected connection from /.test(l))
    const firstLeft = lines.findIndex((l) => /^server +\| Client0\d disconnected\.$/.test(l))
    expect(rejected).toBeGreaterThan(0)
    expect(firstLeft).toBeGreaterThan(rejected)
    expect(lines.findIndex((l) => l.startsWith('client4 '))).toBeGreaterThan(lines.findIndex((l) => /^server +\| Client03 connected/.test(l)))
  })

  it('interrupted (SIGINT) while the clients hold their slots, it removes its server, clients and folders and exits 130', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'demo-interrupt-'))
    try {
      // Far apart, so that the interrupt comes while clients 1 and 2 hold their slots and 3 and 4 have not started.
      const run = spawnProcess('node', [SOCKLAB_BIN, 'demo', '--local', '--stagger-ms', '60000'], { env: { TMPDIR: tmp, NO_COLOR: '1' } })
      await run.waitForOutput('Client01 received socklab.png')
      run.child.kill('SIGINT')
      const ended = await run.exited
      expect(ended.code, ended.stdout + ended.stderr).toBe(EXIT.INTERRUPTED)
      expect(ended.stderr).toContain('socklab demo: SIGINT: stopping and removing what this run made')
      expect(ended.stdout).not.toContain('Demo finished')
      // The server and the admitted client are gone with it, and so is every folder it made.
      expect(await readdir(tmp)).toEqual([])
      const served = /^server +\| Server listening on [^:\s]+:(\d+)$/m.exec(ended.stdout)
      expect(served, ended.stdout).not.toBeNull()
      expect(await portRefuses(Number(served![1]))).toBe(true)
    } finally {
      await rm(tmp, { recursive: true, force: true })
    }
  })
})

function portRefuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => (socket.destroy(), resolve(false)))
    socket.once('error', () => resolve(true))
  })
}
