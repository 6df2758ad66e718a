import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { DockerTarget, EventStream, loadServerSpec, runScenario, serverImage, type ScenarioResult, type ServerSpec } from '../../src/index.js'
import { ORIGINAL_VERDICTS, whyNot } from '../helpers/original-verdicts.js'
import { fixtureScenario, SHIPPED_FILES, shippedScenarios } from '../helpers/scenarios.js'
import { composeProject } from './helpers/compose-project.js'
import { docker } from './helpers/docker-engine.js'
import { containerOutput } from './helpers/socklab-containers.js'

/**
 * Servers that are not socklab's on the docker target: the original Python server in its image (built here
 * from lab/original's Dockerfile, exactly its context, on the Python base made from this machine's Python,
 * as a machine without a registry does), a server run from its spec's folder on the Python base, and the
 * compose demo with the original in socklab's place.
 */
const TINY = fileURLToPath(new URL('../fixtures/servers/tiny.yaml', import.meta.url))
const originalImage = `socklab-test/original:${randomBytes(4).toString('hex')}`
const scenarios = await shippedScenarios()
const shipped = (name: string) => scenarios.find((s) => s.name === name)!
let target: DockerTarget
let original: ServerSpec

const events = (result: ScenarioResult) => result.serverLog.map((line) => JSON.parse(line) as { event: string; [k: string]: unknown })
const notPassed = (result: ScenarioResult) => result.steps.filter((s) => s.verdict !== 'passed' && s.verdict !== 'skipped')

beforeAll(async () => {
  target = await DockerTarget.connect(inject('image'))
  const spec = await loadServerSpec('original')
  original = { ...spec, docker: { ...spec.docker!, image: originalImage } }
  await serverImage(docker, original, { offline: 'auto', log: () => undefined, rebuild: true })
})

afterAll(async () => {
  await target?.settle()
  spawnSync('docker', ['image', 'rm', '-f', originalImage], { stdio: 'ignore' })
})

describe('the original Python server on the docker target', () => {
  it('runs the whole shipped suite: what passes, what fails and what is skipped, each with why', { timeout: 300_000 }, async () => {
    const results: ScenarioResult[] = []
    for (const scenario of scenarios) results.push(await runScenario(scenario, target, { shippedFiles: SHIPPED_FILES, server: original }))
    const verdicts = Object.fromEntries(results.map((r) => [r.name, r.verdict]))
    expect(verdicts, whyNot(results)).toEqual(ORIGINAL_VERDICTS)
    const byName = (name: string) => results.find((r) => r.name === name)!
    // Its console lines, read from the container's log, drive the wait for the fourth client's rejection.
    const overflow = byName('four-client-overflow')
    expect(overflow.server).toBe('original')
    const rejected = events(overflow).find((e) => e.event === 'client_rejected')
    expect(rejected?.msg).toMatch(/^Rejected connection from \('(\d+\.){3}\d+', \d+\)\. Server is full\.$/)
    expect(rejected?.address).not.toBe('127.0.0.1')
    expect(byName('path-escape-refused').steps.find((s) => s.verdict === 'failed')).toMatchObject({ label: 'get a: /etc/passwd (expect PATH_REFUSED)' })
    expect(byName('network-partition').skipped).toBe('the original server cannot be given maxClients: 1 (it always has 3)')
    // The restart stops it with SIGTERM under an init process (as PID 1 it would ignore the signal) and starts it again.
    expect(events(byName('server-restart')).filter((e) => e.event === 'listening')).toHaveLength(2)
  })

  it('a reset is seen as its "Error with Client01: …" line in the container\'s log', async () => {
    const result = await runScenario(await fixtureScenario('reset-error-line'), target, { shippedFiles: SHIPPED_FILES, server: original })
    expect(result.steps.map((s) => [s.label, s.verdict])).toEqual([
      ['connect a', 'passed'],
      ['connect b', 'passed'],
      ['disconnect a (reset)', 'passed'],
      ['wait for client_error {client: Client01}', 'passed'],
      ['send b: still here', 'passed'],
    ])
  })
})

describe('a server run from its spec folder on the Python base', () => {
  it('takes maxClients as an argument and is read by its own adapter', async () => {
    const tiny = await loadServerSpec(TINY)
    const overflow = await runScenario(shipped('four-client-overflow'), target, { shippedFiles: SHIPPED_FILES, server: tiny })
    expect(notPassed(overflow), JSON.stringify(overflow.steps, null, 2)).toEqual([])
    expect(overflow.verdict).toBe('passed')
    expect(events(overflow).find((e) => e.event === 'client_rejected')?.msg).toMatch(/^FULL from=(\d+\.){3}\d+:\d+$/)
    const abrupt = await runScenario(shipped('abrupt-disconnect'), target, { shippedFiles: SHIPPED_FILES, server: tiny })
    expect(abrupt.steps.find((s) => s.label === 'connect c as Client03')?.verdict).toBe('passed')
  })
})

describe('the compose demo with the original server: docker-compose.original.yml', () => {
  it('admits three clients, rejects the fourth, shows it in the original\'s console, and is torn down completely', async () => {
    const { project, octet, compose } = composeProject(['docker-compose.yml', 'docker-compose.original.yml'], {
      SOCKLAB_ORIGINAL_IMAGE: originalImage,
      SOCKLAB_HOLD_MS: '2000',
    })
    try {
      const up = compose('up', '-d', '--wait', 'server')
      expect(up.status, up.stderr).toBe(0)
      compose('up', '--scale', 'client=4', '--no-recreate', 'client')
      const ps = compose('ps', '-a', '--format', '{{.ExitCode}}', 'client')
      expect(ps.stdout.trim().split('\n').map(Number).sort()).toEqual([0, 0, 0, 3])
      const [server] = await docker.listContainers({
        all: true,
        filters: { label: [`com.docker.compose.project=${project}`, 'com.docker.compose.service=server'] },
      })
      expect(server!.Image).toBe(originalImage)
      const stop = compose('stop', '-t', '5', 'server')
      expect(stop.status, stop.stderr).toBe(0)
      const log = new EventStream()
      const adapter = original.adapter!
      const lines = (await containerOutput(server!.Id)).stdout.split('\n')
      log.add(lines.flatMap((line) => adapter.events(line)))
      expect(log.all('listening')).toHaveLength(1)
      expect(log.all('client_connected')).toHaveLength(3)
      expect(log.all('client_rejected').map((e) => e.address)).toEqual([expect.stringMatching(new RegExp(`^10\\.77\\.${octet}\\.\\d+$`))])
      expect(log.all('client_disconnected', { reason: 'exit' })).toHaveLength(3)
      // Stopped by SIGTERM through its init process, not killed after the grace period.
      expect((await docker.getContainer(server!.Id).inspect()).State.ExitCode).not.toBe(137)
    } finally {
      const down = compose('down', '-t', '5', '--volumes', '--remove-orphans')
      expect(down.status, down.stderr).toBe(0)
    }
    const left = (await docker.listContainers({ all: true })).filter((c) => c.Labels['com.docker.compose.project'] === project)
    expect(left).toEqual([])
  })
})
