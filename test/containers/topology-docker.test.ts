import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { EXIT, LABEL, loadTopology } from '../../src/index.js'
import { startLongRun } from '../helpers/interrupts.js'
import { SOCKLAB_BIN, runProcess, spawnProcess } from '../helpers/processes.js'
import { originalAsWritten } from '../helpers/as-written.js'
import { docker } from './helpers/docker-engine.js'

/**
 * The seed-lab's rooms on the docker target, taken by two socklab processes at once: the second waits for
 * the subnets the first holds (it says so), runs once they are given back, and its server sees each client's
 * own address in its room through the router. Neither leaves a network, a container or a host route.
 */
const seedLab = loadTopology('seed-lab')
const hostRoutes = () => readFile('/proc/net/route', 'utf8')
const seedNetworks = async () => (await docker.listNetworks()).filter((n) => n.IPAM?.Config?.some((c) => seedLab.networks.some((r) => r.subnet === c.Subnet))).map((n) => n.Name)

describe('two runs at once on overlapping topologies', () => {
  it('take the subnets in turns across processes, and leave nothing on the engine or in the host routes', { timeout: 180_000 }, async () => {
    const routesBefore = await hostRoutes()
    const reports = await mkdtemp(join(tmpdir(), 'topology-'))
    const report = join(reports, 'second.json')
    const pids: number[] = []
    try {
      // The first holds the seed-lab's subnets, waiting on an event that never comes.
      await using first = await startLongRun('docker', ['--image', inject('image'), '--topology', 'seed-lab'])
      expect((await seedNetworks()).sort()).toHaveLength(3)
      const second = spawnProcess('node', [SOCKLAB_BIN, 'scenario', 'run', 'four-client-overflow', '--target', 'docker', '--image', inject('image'), '--topology', 'seed-lab', '--report', `json=${report}`], { env: { NO_COLOR: '1' } })
      await using _second = second
      pids.push(first.run.child.pid!, second.child.pid!)
      await second.waitForError('is held by another socklab run')
      first.run.child.kill('SIGINT')
      expect((await first.run.exited).code).toBe(EXIT.INTERRUPTED)
      const done = await second.exited
      expect(done.code, done.stdout + done.stderr).toBe(EXIT.OK)
      const [result] = (JSON.parse(await readFile(report, 'utf8')) as { scenarios: Array<{ verdict: string; serverLog: Array<{ event?: string; address?: string }> }> }).scenarios
      expect(result!.verdict).toBe('passed')
      const seen = (event: string) => result!.serverLog.filter((e) => e.event === event).map((e) => e.address)
      // No NAT on the router: the server sees the lab room's and the library's own addresses.
      expect(seen('client_connected')).toEqual([expect.stringMatching(/^10\.0\.0\.\d+$/), expect.stringMatching(/^10\.49\.189\.\d+$/), expect.stringMatching(/^10\.0\.0\.\d+$/)])
      expect(seen('client_rejected')).toEqual([expect.stringMatching(/^10\.0\.0\.\d+$/)])
    } finally {
      await rm(reports, { recursive: true, force: true })
    }
    expect(await seedNetworks()).toEqual([])
    for (const pid of pids) expect(await docker.listContainers({ all: true, filters: { label: [`${LABEL.pid}=${pid}`] } })).toEqual([])
    expect(await hostRoutes()).toBe(routesBefore)
  })
})

describe('socklab demo --server <a server.py as written>', () => {
  it("runs the four clients in the seed's rooms and shows the server's own console", { timeout: 120_000 }, async () => {
    const folder = await originalAsWritten('192.168.2.53')
    try {
      const done = await runProcess('node', [SOCKLAB_BIN, 'demo', '--image', inject('image'), '--server', folder], '', { NO_COLOR: '1' })
      expect(done.code, done.stdout + done.stderr).toBe(EXIT.OK)
      expect(done.stdout).toContain('Server listening on 192.168.2.53:12345')
      expect(done.stdout).toMatch(/^ {2}Client02 connected from \('10\.49\.189\.\d+', \d+\)$/m)
      expect(done.stdout).toMatch(/^ {2}Rejected connection from \('10\.0\.0\.\d+', \d+\)\. Server is full\.$/m)
      expect(done.stdout).toContain('Three clients were served and the fourth was told the server is full.')
    } finally {
      await rm(folder, { recursive: true, force: true })
    }
    expect(await seedNetworks()).toEqual([])
  })
})
