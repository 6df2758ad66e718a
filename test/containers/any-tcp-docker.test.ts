import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import { DockerTarget, loadScenarios, loadServerSpec, runScenario, type ScenarioResult } from '../../src/index.js'
import { SHIPPED_FILES } from '../helpers/scenarios.js'
import { docker } from './helpers/docker-engine.js'

/**
 * Text and byte clients on the docker target: the Redis example suite against this machine's redis-server
 * run in a container of its own (its image made from the host's binary and libraries, as on a machine with
 * no registry), and the chat example's broadcast against its Python server, each client a container.
 */
const example = (path: string) => fileURLToPath(new URL(`../../examples/${path}`, import.meta.url))
const why = (results: ScenarioResult[]) => JSON.stringify(results.map((r) => ({ name: r.name, error: r.error, failed: r.steps.filter((s) => s.verdict === 'failed') })), null, 2)
let target: DockerTarget
beforeAll(async () => {
  target = await DockerTarget.connect(inject('image'))
})

describe('the Redis example suite on the docker target', () => {
  it('passes every scenario against redis-server in a container, the clients in theirs', { timeout: 180_000 }, async () => {
    const server = await loadServerSpec(example('redis/socklab-server.yaml'))
    const results: ScenarioResult[] = []
    for (const scenario of await loadScenarios(example('redis/scenarios'))) results.push(await runScenario(scenario, target, { shippedFiles: SHIPPED_FILES, server }))
    expect(Object.fromEntries(results.map((r) => [r.name, r.verdict])), why(results)).toEqual({
      'incr-crowd': 'passed',
      maxclients: 'passed',
      ping: 'passed',
      'reset-mid-pipeline': 'passed',
      'set-get': 'passed',
    })
    // Each client is a container of its own on the run's network, not this machine's loopback.
    const connected = results.find((r) => r.name === 'ping')!.steps[0]!.reason
    expect(connected).toMatch(/^connected from (\d+\.){3}\d+:\d+$/)
    expect(connected).not.toMatch(/127\.0\.0\.1/)
    // The server's image is this machine's redis-server, made without a registry.
    const images = await docker.listImages({ filters: { reference: ['socklab/host-redis-server'] } })
    expect(images.length).toBeGreaterThan(0)
  })
})

describe('the chat example on the docker target', () => {
  it("finds the broken server's echo to the sender as on the local target", { timeout: 120_000 }, async () => {
    const [broadcast] = (await loadScenarios(example('chat/scenarios'))).filter((s) => s.name === 'broadcast')
    const good = await runScenario(broadcast!, target, { shippedFiles: SHIPPED_FILES, server: await loadServerSpec(example('chat/good')) })
    expect(good.verdict, why([good])).toBe('passed')
    const broken = await runScenario(broadcast!, target, { shippedFiles: SHIPPED_FILES, server: await loadServerSpec(example('chat/broken')) })
    expect(broken.steps.filter((s) => s.verdict === 'failed').map((s) => [s.reason, s.actual])).toEqual([['alice received bytes during the 200 ms of silence', '"alice: hi all\\n"']])
  })
})
