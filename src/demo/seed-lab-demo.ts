import { join } from 'node:path'
import { SocklabError } from '../errors/socklab-error.js'
import type { ServerSpec } from '../lab/server-spec.js'
import { loadTopology } from '../lab/topology.js'
import { SHIPPED_FILES, SHIPPED_SCENARIOS } from '../package/package-files.js'
import { readScenarioFiles } from '../scenario/scenario-catalog.js'
import { runScenario } from '../scenario/scenario-runner.js'
import type { DockerTarget } from '../scenario/targets/docker-target.js'
import type { DemoVerdict } from './demo-verdict.js'

/** The scenario the demo is: four clients, three served, the fourth told the server is full. */
const DEMO_SCENARIO = join(SHIPPED_SCENARIOS, 'four-client-overflow.yaml')

/**
 * The demo for a server as written (`socklab demo --server server.py`): the four-client scenario in the
 * seed's rooms (server 192.168.2.53's subnet, clients on 10.0.0.0/24 and 10.49.189.0/24, a router between),
 * each line of its console shown as it came, so a student sees their own server turn the fourth away.
 */
export async function runSeedLabDemo(target: DockerTarget, server: ServerSpec, signal: AbortSignal, say: (line: string) => void): Promise<DemoVerdict> {
  const [scenario] = (await readScenarioFiles([DEMO_SCENARIO])).scenarios
  if (!scenario) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `the demo's scenario ${DEMO_SCENARIO} did not load`)
  const topology = loadTopology('seed-lab')
  say(`Running the demo in the ${topology.name} rooms on containers: ${topology.description}.`)
  try {
    const result = await runScenario({ ...scenario, topology }, target, { shippedFiles: SHIPPED_FILES, server, signal })
    say(`\n${server.name} server's console:`)
    for (const line of result.serverLog) {
      const msg = (JSON.parse(line) as { msg?: unknown }).msg
      if (typeof msg === 'string') say(`  ${msg}`)
    }
    const failed = result.steps.find((s) => s.verdict === 'failed')
    if (result.verdict === 'passed') return { ok: true, text: '\nThree clients were served and the fourth was told the server is full.' }
    return { ok: false, text: `\nThe demo did not go as expected: ${result.error ?? (failed ? `${failed.label}: ${failed.reason ?? ''}${failed.actual ? ` (${failed.actual})` : ''}` : result.verdict)}` }
  } finally {
    await target.settle()
  }
}
