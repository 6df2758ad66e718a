import { spawnSync } from 'node:child_process'
import Dockerode from 'dockerode'
import { LABEL } from '../../../src/index.js'

/** Every container, network and compose project the suite creates carries this label; sweeps go by it. */
export const TEST_LABEL = 'dev.socklab.test'

export const docker = new Dockerode()

export function engineAnswers(): boolean {
  return spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 15_000 }).status === 0
}

/** Compose projects the suite starts are named with this prefix (compose labels them by project). */
export const TEST_PROJECT_PREFIX = 'socklab-test-'


const ours = (labels: Record<string, string> | undefined): boolean =>
  labels !== undefined &&
  (TEST_LABEL in labels || LABEL.kind in labels || (labels['com.docker.compose.project'] ?? '').startsWith(TEST_PROJECT_PREFIX))

/** Removes everything a run of the suite left behind, also after a failure or a killed run. */
export async function sweep(): Promise<{ containers: number; networks: number }> {
  const containers = (await docker.listContainers({ all: true })).filter((c) => ours(c.Labels))
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)))
  const networks = (await docker.listNetworks()).filter((n) => ours(n.Labels))
  await Promise.all(networks.map((n) => docker.getNetwork(n.Id).remove().catch(() => undefined)))
  return { containers: containers.length, networks: networks.length }
}

export interface LabNetwork extends AsyncDisposable {
  name: string
  subnet: string
}

/** A fresh user-defined bridge network, labelled for the sweep. */
export async function createLabNetwork(): Promise<LabNetwork> {
  const name = `socklab-test-${Math.random().toString(16).slice(2, 10)}`
  const network = await docker.createNetwork({ Name: name, Driver: 'bridge', CheckDuplicate: true, Labels: { [TEST_LABEL]: 'network' } })
  const info = await network.inspect()
  return {
    name,
    subnet: String(info.IPAM?.Config?.[0]?.Subnet ?? ''),
    async [Symbol.asyncDispose]() {
      await network.remove().catch(() => undefined)
    },
  }
}
