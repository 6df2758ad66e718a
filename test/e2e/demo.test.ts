import { describe, expect, it } from 'vitest'
import { EXIT } from '../../src/index.js'
import { SOCKLAB_BIN, runProcess } from '../helpers/processes.js'

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
})
