import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { DockerTarget, junitReport, markdownReport, runScenario, LABEL, type ScenarioResult } from '../../src/index.js'
import { fixtureScenario, SHIPPED_FILES, shippedScenarios, wrongExpectation } from '../helpers/scenarios.js'
import { docker } from './helpers/docker-engine.js'

/** Reports of this suite's scenario runs, for CI to keep: reports/scenarios/docker.{junit.xml,md}. */
const REPORTS = fileURLToPath(new URL('../../reports/scenarios/', import.meta.url))
const scenarios = await shippedScenarios()
const results: ScenarioResult[] = []
let target: DockerTarget

const events = (result: ScenarioResult) => result.serverLog.map((line) => JSON.parse(line) as { event: string; [k: string]: unknown })

beforeAll(async () => {
  target = await DockerTarget.connect(inject('image'))
})

afterAll(async () => {
  await target.settle()
  await mkdir(REPORTS, { recursive: true })
  await writeFile(join(REPORTS, 'docker.junit.xml'), junitReport(results))
  await writeFile(join(REPORTS, 'docker.md'), markdownReport(results))
})

describe('shipped scenarios on the docker target (a container per host)', () => {
  it.each(scenarios.map((s) => [s.name, s] as const))('%s passes', async (_name, scenario) => {
    const result = await runScenario(scenario, target, { shippedFiles: SHIPPED_FILES })
    results.push(result)
    const notPassed = result.steps.filter((s) => s.verdict !== 'passed')
    expect(notPassed, JSON.stringify(notPassed, null, 2)).toEqual([])
    expect(result.verdict).toBe('passed')
    const logged = events(result)
    expect(logged[0]).toMatchObject({ event: 'listening', port: 12345 })
    // Clients are containers on the scenario's network, never processes on the server's loopback.
    const peers = logged.filter((e) => e.event === 'client_connected' || e.event === 'client_rejected')
    expect(peers.length).toBeGreaterThan(0)
    for (const peer of peers) expect(String(peer.address)).not.toMatch(/^127\./)
    if (scenario.name === 'four-client-overflow') {
      // All four are alive at once here: four hosts, four addresses.
      expect(new Set(peers.map((e) => e.address)).size).toBe(4)
      expect(logged.filter((e) => e.event === 'client_connected')).toHaveLength(3)
      const [rejected] = logged.filter((e) => e.event === 'client_rejected')
      expect(rejected).toMatchObject({ connected: 3, maxClients: 3 })
      expect(String(rejected!.msg)).toBe(`Rejected connection from ('${String(rejected!.address)}', ${String(rejected!.port)}). Server is full.`)
    }
    if (scenario.name === 'crowd') {
      // Fifty members, fifty containers, fifty connections seen by the server. (An address may come back:
      // a rejected member's container exits, and the network gives its address to one starting later.)
      expect(peers).toHaveLength(50)
      expect(new Set(peers.map((e) => `${String(e.address)}:${String(e.port)}`)).size).toBe(50)
    }
    await target.settle()
    const left = await docker.listContainers({ all: true, filters: { label: [`${LABEL.kind}=scenario`] } })
    expect(left).toEqual([])
  })

  it("reads the server container's descriptors and memory (expect_usage): three clients in hold three more than none", async () => {
    const result = await runScenario(await fixtureScenario('usage'), target, { shippedFiles: SHIPPED_FILES })
    expect(result.steps[0]).toMatchObject({ verdict: 'passed', reason: expect.stringMatching(/^\d+ descriptors, [\d.]+ MiB resident$/) })
    expect(result.steps.at(-1)).toMatchObject({ verdict: 'failed', reason: 'the server holds 3 more descriptors than at the baseline' })
  })

  it('reports a wrong expectation as failed and keeps every container log of the scenario', async () => {
    const logsDir = await mkdtemp(join(tmpdir(), 'socklab-docker-logs-'))
    try {
      const result = await runScenario(await wrongExpectation(), target, { shippedFiles: SHIPPED_FILES, logsDir })
      expect(result.verdict).toBe('failed')
      expect(result.steps[2]).toMatchObject({ verdict: 'failed', line: 7, expected: 'ping', actual: 'ping ACK' })
      const kept = result.artifacts.map((a) => a.split('/').pop()).sort()
      expect(kept).toEqual(['client-a-1.log', 'server.log'])
      expect(await readFile(join(logsDir, 'wrong-expectation-logs', 'server.log'), 'utf8')).toContain('"event":"client_connected"')
      expect(await readFile(join(logsDir, 'wrong-expectation-logs', 'client-a-1.log'), 'utf8')).toContain('"type":"connected"')
      expect(existsSync(logsDir)).toBe(true)
      // The failure bundle: a capture of the lab network's bridge that tshark reads, holding the failing
      // connection (the client's port, as the server logged it): its handshake and the reply the step got.
      const { bundle } = result
      expect(bundle?.capture, bundle?.captureNote).toBe(join(logsDir, 'wrong-expectation-logs', 'capture.pcap'))
      const port = events(result).find((e) => e.event === 'client_connected')!.port
      const read = spawnSync('tshark', ['-r', bundle!.capture!, '-Y', `tcp.port == ${String(port)}`, '-T', 'fields', '-e', 'tcp.flags.str', '-e', 'tcp.payload'], { encoding: 'utf8' })
      expect(read.status, read.stderr).toBe(0)
      const packets = read.stdout.trim().split('\n').map((line) => line.split('\t'))
      expect(packets.some(([flags]) => /S/.test(flags!) && !/A/.test(flags!.replace(/·/g, '')))).toBe(true)
      expect(packets.map(([, payload]) => Buffer.from(payload ?? '', 'hex').toString('latin1')).join('')).toContain('ping ACK')
      expect(bundle!.packets.some((p) => p.from === 'server' && p.text.includes('ping ACK'))).toBe(true)
      const timeline = await readFile(bundle!.timeline, 'utf8')
      expect(timeline).toMatch(/step +line 7: .* — failed/)
      expect(timeline).toMatch(/packet +server → [\d.]+:\d+: PSH ACK \d+ B ascii: .*ping ACK/)
    } finally {
      await rm(logsDir, { recursive: true, force: true })
    }
  })
})
