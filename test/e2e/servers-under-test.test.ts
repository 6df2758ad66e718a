import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { EXIT, LocalTarget, loadServerSpec, runScenario, type ScenarioResult } from '../../src/index.js'
import { SOCKLAB_BIN, runProcess } from '../helpers/processes.js'
import { ORIGINAL_VERDICTS, whyNot } from '../helpers/original-verdicts.js'
import { fixtureScenario, SHIPPED_FILES, shippedScenarios } from '../helpers/scenarios.js'

/**
 * Scenarios against servers that are not socklab's, on the local target: the original Python server
 * (shipped as a lab asset, read by its built-in log adapter) and a small Python server with a console
 * format of its own, read by a custom adapter from its spec file.
 */
const TINY = fileURLToPath(new URL('../fixtures/servers/tiny.yaml', import.meta.url))
const scenarios = await shippedScenarios()
const shipped = (name: string) => scenarios.find((s) => s.name === name)!
const run = async (scenario: Parameters<typeof runScenario>[0], server: string): Promise<ScenarioResult> =>
  runScenario(scenario, new LocalTarget(SOCKLAB_BIN), { shippedFiles: SHIPPED_FILES, server: await loadServerSpec(server) })
const verdicts = (result: ScenarioResult) => result.steps.map((s) => [s.label, s.verdict])

describe('the original Python server under test', () => {
  it('runs the whole shipped suite: what passes, what fails and what is skipped, each with why', { timeout: 240_000 }, async () => {
    const results: ScenarioResult[] = []
    for (const scenario of scenarios) results.push(await run(scenario, 'original'))
    expect(Object.fromEntries(results.map((r) => [r.name, r.verdict])), whyNot(results)).toEqual(ORIGINAL_VERDICTS)
    expect(results.find((r) => r.name === 'network-partition')?.skipped).toBe('runs only on docker; this is the local target')
    expect(results.find((r) => r.name === 'sliced-replies')?.skipped).toBe('client a needs framed mode, which the original server does not speak')
  })

  it('four-client-overflow passes: its console lines drive the wait for the rejection of the fourth client', async () => {
    const result = await run(shipped('four-client-overflow'), 'original')
    expect(result.steps.filter((s) => s.verdict !== 'passed'), JSON.stringify(result.steps, null, 2)).toEqual([])
    expect(result.server).toBe('original')
    const rejected = result.serverLog.map((line) => JSON.parse(line) as Record<string, unknown>).find((e) => e.event === 'client_rejected')
    expect(rejected).toMatchObject({ address: '127.0.0.1', msg: expect.stringMatching(/^Rejected connection from \('127\.0\.0\.1', \d+\)\. Server is full\.$/) })
  })

  it('a reset is seen as its "Error with Client01: …" line', async () => {
    const result = await run(await fixtureScenario('reset-error-line'), 'original')
    expect(verdicts(result)).toEqual([
      ['connect a', 'passed'],
      ['connect b', 'passed'],
      ['disconnect a (reset)', 'passed'],
      ['wait for client_error {client: Client01}', 'passed'],
      ['send b: still here', 'passed'],
    ])
  })

  it('steps that need an event its log cannot show are skipped with that reason, never passed', async () => {
    const result = await run(shipped('echo'), 'original')
    expect(result.verdict).toBe('passed')
    const skipped = result.steps.filter((s) => s.verdict === 'skipped')
    expect(skipped.map((s) => s.reason)).toEqual([
      "the server's log does not show command (log adapter original)",
      "the server's log does not show protocol_selected (log adapter original)",
    ])
  })

  it('its defects fail, and what it cannot be asked is skipped with why', async () => {
    const escape = await run(shipped('path-escape-refused'), 'original')
    expect(escape.verdict).toBe('failed')
    expect(escape.steps.find((s) => s.verdict === 'failed')).toMatchObject({ label: 'get a: /etc/passwd (expect PATH_REFUSED)', expected: 'PATH_REFUSED' })
    expect((await run(shipped('abrupt-disconnect'), 'original')).skipped).toBe('the original server cannot be given maxClients: 2 (it always has 3)')
    expect((await run(shipped('sliced-replies'), 'original')).skipped).toBe('client a needs framed mode, which the original server does not speak')
  })
})

describe('a server with a console format of its own, read by a custom adapter', () => {
  it('passes four-client-overflow through its adapter, takes maxClients as its spec says, and skips what its log lacks', async () => {
    const overflow = await run(shipped('four-client-overflow'), TINY)
    expect(overflow.steps.filter((s) => s.verdict !== 'passed')).toEqual([])
    const abrupt = await run(shipped('abrupt-disconnect'), TINY)
    // maxClients: 2 was passed as its third argument: the third client is the one that waits.
    expect(abrupt.steps.find((s) => s.label === 'connect c as Client03')?.verdict).toBe('passed')
    expect(abrupt.steps.find((s) => s.label.startsWith('wait for client_error'))).toMatchObject({
      verdict: 'skipped',
      reason: "the server's log does not show client_error (log adapter tiny)",
    })
  })
})

describe('a scenario that names its server under test (server: { spec: … })', () => {
  it('runs against it when the run names none, and --server wins over it', async () => {
    const scenario = await fixtureScenario('tiny-own-server')
    expect(scenario.server.spec).toBe(TINY)
    const own = await runScenario(scenario, new LocalTarget(SOCKLAB_BIN), { shippedFiles: SHIPPED_FILES })
    expect(own.server).toBe('tiny')
    expect(verdicts(own)).toEqual([
      ['connect a', 'passed'],
      ['connect b (expect rejected)', 'passed'],
      ['wait for client_rejected', 'passed'],
      ['send a: hi', 'passed'],
    ])
    expect(own.serverLog.map((line) => JSON.parse(line).msg)).toContain('LISTEN port=' + JSON.parse(own.serverLog[0]!).port)
    const socklab = await run(scenario, 'socklab')
    expect(socklab.server).toBeUndefined()
    expect(socklab.verdict).toBe('passed')
  })
})

describe('socklab scenario run --server', () => {
  it('compares servers in a table, written by --report compat=, and refuses targets they cannot run on', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'socklab-compat-'))
    try {
      const table = join(dir, 'compat.md')
      const both = await runProcess('node', [SOCKLAB_BIN, 'scenario', 'run', 'echo', 'path-escape-refused', '--target', 'local', '--server', 'socklab', '--server', 'original', '--report', `compat=${table}`], '')
      expect(both.code, both.stderr).toBe(EXIT.SCENARIO_FAILED)
      expect(both.stdout).toContain('Compatibility (local target):')
      const page = await readFile(table, 'utf8')
      expect(page).toContain('| scenario | socklab | original |')
      expect(page).toContain('| echo | passed | passed (4 of 6 checks; 2 skipped) |')
      expect(page).toMatch(/\| path-escape-refused \(socklab\) \| passed \| failed: line 17: get a: \/etc\/passwd \(expect PATH_REFUSED\)/)
      // A spec without a docker section runs on the local target only; a host:port is a server already running.
      const localOnly = join(dir, 'local-only.yaml')
      await writeFile(localOnly, 'command: [python3, -u, server.py]\nadapter:\n  - { event: listening, match: "^up$" }\n')
      const docker = await runProcess('node', [SOCKLAB_BIN, 'scenario', 'run', 'echo', '--target', 'docker', '--server', localOnly], '')
      expect(docker.code).toBe(EXIT.USAGE)
      expect(docker.stderr).toContain('--server local-only has no `docker:` section in its spec, so it runs on the local target only')
      const remote = await runProcess('node', [SOCKLAB_BIN, 'scenario', 'run', 'echo', '--target', '127.0.0.1:9', '--server', 'original'], '')
      expect(remote.code).toBe(EXIT.USAGE)
      expect(remote.stderr).toContain('--target 127.0.0.1:9 is a server already running: --server original needs --target docker or local')
      const unknown = await runProcess('node', [SOCKLAB_BIN, 'scenario', 'run', 'echo', '--target', 'local', '--server', 'orignal'], '')
      expect(unknown.code).toBe(EXIT.USAGE)
      expect(unknown.stderr).toContain('did you mean original?')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
