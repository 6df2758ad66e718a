import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { junitReport, LocalTarget, markdownReport, RemoteTarget, runScenario } from '../../src/index.js'
import { SOCKLAB_BIN } from '../helpers/processes.js'
import { fixtureScenario, SHIPPED_FILES, shippedScenarios, wrongExpectation } from '../helpers/scenarios.js'
import { startTestServer } from '../helpers/test-server.js'

const scenarios = await shippedScenarios()

describe('shipped scenarios on the local target (processes on loopback)', () => {
  it.each(scenarios.map((s) => [s.name, s] as const))('%s passes (or is skipped where it cannot run)', async (_name, scenario) => {
    const result = await runScenario(scenario, new LocalTarget(SOCKLAB_BIN), { shippedFiles: SHIPPED_FILES })
    if (scenario.targets && !scenario.targets.includes('local')) {
      expect(result.verdict).toBe('skipped')
      expect(result.skipped).toBe(`runs only on ${scenario.targets.join(', ')}; this is the local target`)
      return
    }
    const failed = result.steps.filter((s) => s.verdict !== 'passed')
    expect(failed, JSON.stringify(failed, null, 2)).toEqual([])
    expect(result.verdict).toBe('passed')
    expect(result.serverLog.length).toBeGreaterThan(0)
  })

  it('a command after the server timed the client out is answered SOCKLAB_CONNECTION_LOST, whether the close came before it or after', async () => {
    const result = await runScenario(await fixtureScenario('timed-out-then-send'), new LocalTarget(SOCKLAB_BIN), { shippedFiles: SHIPPED_FILES })
    expect(result.steps.filter((s) => s.verdict !== 'passed')).toEqual([])
  })

  it('a sleep step idles for its duration and passes', async () => {
    const result = await runScenario(await fixtureScenario('sleep'), new LocalTarget(SOCKLAB_BIN), { shippedFiles: SHIPPED_FILES })
    expect(result.steps.map((s) => [s.label, s.verdict])).toEqual([
      ['connect a', 'passed'],
      ['send a: before', 'passed'],
      ['sleep 200 ms', 'passed'],
      ['send a: after', 'passed'],
    ])
    expect(result.steps[2]!.durationMs).toBeGreaterThanOrEqual(199)
  })

  it('a wait_event that times out says what came instead: the nearest events of that name and their fields', async () => {
    const result = await runScenario(await fixtureScenario('wait-event-mismatch'), new LocalTarget(SOCKLAB_BIN), { shippedFiles: SHIPPED_FILES })
    expect(result.steps[2]).toMatchObject({
      verdict: 'failed',
      reason: 'timed out after 500 ms waiting for client_disconnected',
      expected: 'client_disconnected where client=Client01, reason=timeout',
      actual: 'client_disconnected with reason=exit (not timeout)',
    })
  })

  it("expect_usage: three clients in hold three more of the server's descriptors than none; gone, they hold none", async () => {
    const held = await runScenario(await fixtureScenario('usage'), new LocalTarget(SOCKLAB_BIN), { shippedFiles: SHIPPED_FILES })
    expect(held.steps[0]).toMatchObject({ verdict: 'passed', reason: expect.stringMatching(/^\d+ descriptors, [\d.]+ MiB resident$/) })
    expect(held.steps.at(-1)).toMatchObject({ verdict: 'failed', reason: expect.stringMatching(/^the server holds [3-9] more descriptors than at the baseline$/) })
    const after = await runScenario(await fixtureScenario('usage-after'), new LocalTarget(SOCKLAB_BIN), { shippedFiles: SHIPPED_FILES })
    expect(after.steps.filter((s) => s.verdict !== 'passed'), JSON.stringify(after.steps, null, 2)).toEqual([])
    expect(after.steps.at(-1)!.reason).toMatch(/\(baseline: \d+ descriptors, /)
  })

  it('reports a wrong expectation as failed, with the step, its line, expected and actual, and keeps the logs', async () => {
    const logsDir = await mkdtemp(join(tmpdir(), 'socklab-scenario-logs-'))
    try {
      const result = await runScenario(await wrongExpectation(), new LocalTarget(SOCKLAB_BIN), { shippedFiles: SHIPPED_FILES, logsDir })
      expect(result.verdict).toBe('failed')
      expect(result.steps.map((s) => s.verdict)).toEqual(['passed', 'passed', 'failed', 'skipped'])
      expect(result.steps[2]).toMatchObject({ line: 7, expected: 'ping', actual: 'ping ACK', reason: 'unexpected reply' })
      expect(result.steps[3]!.reason).toBe('not run: an earlier step failed')
      expect(result.artifacts.map((a) => a.split('/').pop()).sort()).toEqual(['client-a-1.log', 'server.log'])
      expect(await readFile(join(logsDir, 'wrong-expectation-logs', 'server.log'), 'utf8')).toContain('"event":"listening"')

      const junit = junitReport([result])
      expect(junit).toContain('<testsuites name="socklab scenarios" tests="1" failures="1"')
      expect(junit).toContain('<failure message="line 7: send a: ping: unexpected reply"')
      expect(junit).toContain('expected: ping\nactual: ping ACK')
      const md = markdownReport([result])
      expect(md).toContain('| 3 | send a: ping | 7 | ❌ |')
      expect(md).toContain('```mermaid\nsequenceDiagram')
      expect(md).toContain('    p1->>server: ping\n    server-->>p1: ping ACK')
    } finally {
      await rm(logsDir, { recursive: true, force: true })
    }
  })
})

describe('a real server as the target (<host>:<port>)', () => {
  it('runs the steps it can and reports those that need the server log as skipped, never passed', async () => {
    await using t = await startTestServer()
    const overflow = scenarios.find((s) => s.name === 'four-client-overflow')!
    const result = await runScenario(overflow, new RemoteTarget(SOCKLAB_BIN, '127.0.0.1', t.port), { shippedFiles: SHIPPED_FILES })
    expect(result.verdict).toBe('passed')
    const byKind = result.steps.map((s) => [s.label.split(' ')[0], s.verdict])
    expect(byKind).toEqual([
      ['connect', 'passed'],
      ['connect', 'passed'],
      ['connect', 'passed'],
      ['connect', 'passed'],
      ['wait', 'skipped'],
      ['expect', 'skipped'],
      ['expect', 'skipped'],
      ['send', 'passed'],
      ['send', 'passed'],
    ])
    expect(result.steps[4]!.reason).toBe("the server's log cannot be read on this target")
    // The real server did see it all.
    expect(t.log.all('client_rejected')).toHaveLength(1)
  })

  it('skips a get of a file only the scenario generates', async () => {
    await using t = await startTestServer()
    const binary = scenarios.find((s) => s.name === 'binary-get')!
    const result = await runScenario(binary, new RemoteTarget(SOCKLAB_BIN, '127.0.0.1', t.port), { shippedFiles: SHIPPED_FILES })
    const get = result.steps.filter((s) => s.label.startsWith('get'))
    expect(get.map((s) => s.verdict)).toEqual(['passed', 'skipped'])
    expect(existsSync(join(t.files, 'random-8mib.bin'))).toBe(false)
  })
})
