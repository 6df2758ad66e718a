import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT } from '../../src/index.js'
import { SOCKLAB_BIN, runProcess } from '../helpers/processes.js'
import { SHIPPED_FILES } from '../helpers/scenarios.js'

/**
 * `socklab chaos` on the local target: two broken servers (each the original with one defect, as a
 * student would write it: hard-coded port, no arguments) caught from a seed and shrunk to a scenario that
 * fails on them and passes on socklab's; a replayed seed; determinism; socklab's server through 10 seeds.
 */
const FIXTURES = fileURLToPath(new URL('../../examples/chaos/', import.meta.url))
let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'socklab-chaos-'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

interface Report {
  seed: number
  schedule: { ops: unknown[] }
  history: Array<{ step: string; outcome: string }>
  verdict: string
  violation?: { rule: string; says: string; reason: string }
  coverage: Array<{ kind: string; times: number }>
  shrunk?: { runs: number; steps: number; scenario: string; ops: { before: number; after: number } }
}

const chaos = (args: string[]) => runProcess('node', [SOCKLAB_BIN, 'chaos', '--files', SHIPPED_FILES, ...args], '', { NO_COLOR: '1' })
const report = async (out: string, name = 'report.json') => JSON.parse(await readFile(join(out, name), 'utf8')) as Report
const scenarioRun = (file: string, server?: string) => runProcess('node', [SOCKLAB_BIN, 'scenario', 'run', file, '--target', 'local', '--files', SHIPPED_FILES, ...(server ? ['--server', server] : [])], '', { NO_COLOR: '1' })

describe('socklab chaos', () => {
  it.each([
    // The leaked slot shows first as a client reset long ago still listed (it would turn clients away next).
    ['leaky-reset', 'status', 'status lists exactly the clients the model holds as connected, in the order they came'],
    ['stale-status', 'status', 'status lists exactly the clients the model holds as connected, in the order they came'],
  ])('catches %s from a seed, names the rule, and shrinks it to a scenario that fails on it and passes on socklab\'s', async (fixture, rule, says) => {
    const server = join(FIXTURES, fixture)
    const out = join(dir, fixture)
    const run = await chaos(['--seed', '1', '--duration', '10s', '--server', server, '--out', out, '--shrink-runs', '40'])
    expect(run.code, run.stdout + run.stderr).toBe(EXIT.SCENARIO_FAILED)
    expect(run.stdout.split('\n')[0]).toBe('seed: 1')
    expect(run.stdout).toContain(`VIOLATION of "${says}"`)
    const found = await report(out)
    expect(found).toMatchObject({ seed: 1, verdict: 'violation', violation: { rule, says } })
    expect(found.history.some((h) => h.outcome === 'failed')).toBe(true)
    // At most a few steps, from dozens of operations.
    expect(found.shrunk!.ops.before).toBeGreaterThan(20)
    expect(found.shrunk!.steps).toBeLessThanOrEqual(6)
    expect(run.stdout).toContain(`shrunk in ${found.shrunk!.runs} runs`)
    const onBroken = await scenarioRun(found.shrunk!.scenario, server)
    expect(onBroken.code, onBroken.stdout + onBroken.stderr).toBe(EXIT.SCENARIO_FAILED)
    const onSocklab = await scenarioRun(found.shrunk!.scenario)
    expect(onSocklab.code, onSocklab.stdout + onSocklab.stderr).toBe(EXIT.OK)
  }, 300_000)

  it("replays a recorded seed to the same schedule and outcomes, and finds socklab's server deterministic", async () => {
    const out = join(dir, 'replay')
    const first = await chaos(['--seed', '4242', '--duration', '8s', '--out', out, '--check-determinism'])
    expect(first.code, first.stdout + first.stderr).toBe(EXIT.OK)
    expect(first.stdout).toMatch(/^deterministic: the second run's \d+ outcomes are the first's$/m)
    const recorded = await report(out)
    expect(recorded.verdict).toBe('passed')
    expect(recorded.coverage.length).toBeGreaterThan(0)
    const again = join(dir, 'replayed')
    const replay = await chaos(['--replay', join(out, 'report.json'), '--out', again])
    expect(replay.code, replay.stdout + replay.stderr).toBe(EXIT.OK)
    expect(replay.stdout.split('\n')[0]).toBe(`seed: 4242 (replaying ${join(out, 'report.json')})`)
    const replayed = await report(again)
    expect(replayed.schedule).toEqual(recorded.schedule)
    expect(replayed.history.map((h) => [h.step, h.outcome])).toEqual(recorded.history.map((h) => [h.step, h.outcome]))
  }, 120_000)

  it("runs socklab's own server through 10 seeds of 30 s with no violation", async () => {
    const out = join(dir, 'runs')
    const run = await chaos(['--seed', '100', '--runs', '10', '--duration', '30s', '--out', out])
    expect(run.code, run.stdout + run.stderr).toBe(EXIT.OK)
    expect(run.stdout).toContain('10 of 10 seeds passed')
    for (let seed = 100; seed < 110; seed += 1) expect((await report(out, `report-${seed}.json`)).verdict).toBe('passed')
  }, 900_000)
})
