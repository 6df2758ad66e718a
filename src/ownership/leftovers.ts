import { rm } from 'node:fs/promises'
import type Dockerode from 'dockerode'
import { isSocklabMade, ownerFromLabels } from './owner-labels.js'
import { describeOwner, ownerState, type Owner } from './owner.js'
import { listOwnedTempDirs } from './owned-temp-dir.js'

export interface Leftover {
  kind: 'container' | 'network' | 'volume' | 'folder'
  name: string
  owner?: Owner
  /** Why it could not be removed (it is still there); absent when it was. */
  error?: string
}

export interface SweepOptions {
  /** Everything socklab made, whoever made it and whether or not its owner still runs. */
  all?: boolean
  /** Also look at containers and networks (without it, only temporary folders). */
  docker?: Dockerode
}

/**
 * Removes what socklab runs left behind: containers, networks, volumes and temporary folders whose owner process is
 * gone (a run that was killed, or crashed). What a running process owns, or another host's, is left alone.
 * With `all`, everything socklab made goes. Returns what it found: removed, or with the `error` that kept it.
 */
export async function sweepLeftovers(options: SweepOptions = {}): Promise<Leftover[]> {
  const removable = (owner: Owner | undefined, made: boolean) => made && (options.all === true || (owner !== undefined && ownerState(owner) === 'gone'))
  const removed: Leftover[] = []
  if (options.docker) {
    const docker = options.docker
    const containers = (await docker.listContainers({ all: true })).filter((c) => removable(ownerFromLabels(c.Labels), isSocklabMade(c.Labels)))
    await Promise.all(
      containers.map(async (c) => {
        const error = await docker.getContainer(c.Id).remove({ force: true, v: true }).then(() => undefined, failure)
        removed.push({ kind: 'container', name: c.Names[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12), owner: ownerFromLabels(c.Labels), error })
      }),
    )
    const networks = (await docker.listNetworks()).filter((n) => removable(ownerFromLabels(n.Labels), isSocklabMade(n.Labels)))
    await Promise.all(
      networks.map(async (n) => {
        const error = await removeNetwork(docker.getNetwork(n.Id)).then(() => undefined, failure)
        removed.push({ kind: 'network', name: n.Name, owner: ownerFromLabels(n.Labels), error })
      }),
    )
    // The demo's shared volume (docker compose down leaves it without --volumes), once no container uses it.
    const volumes = ((await docker.listVolumes()).Volumes ?? []).filter((v) => removable(ownerFromLabels(v.Labels ?? {}), isSocklabMade(v.Labels ?? {})))
    await Promise.all(
      volumes.map(async (v) => {
        const error = await docker.getVolume(v.Name).remove().then(() => undefined, failure)
        removed.push({ kind: 'volume', name: v.Name, owner: ownerFromLabels(v.Labels ?? {}), error })
      }),
    )
  }
  for (const dir of await listOwnedTempDirs()) {
    // A folder without an owner record comes from an older socklab: only `all` takes it.
    if (!removable(dir.owner, true) && !(options.all && !dir.owner)) continue
    await rm(dir.path, { recursive: true, force: true })
    removed.push({ kind: 'folder', name: dir.path, owner: dir.owner })
  }
  return removed
}

export const describeLeftover = (l: Leftover): string =>
  `${l.kind} ${l.name}${l.owner ? ` (made by ${describeOwner(l.owner)})` : ''}${l.error ? `: could not be removed: ${l.error}` : ''}`

const failure = (error: unknown): string => ((error as Error).message ?? String(error)).replace(/^\(HTTP code \d+\) \S+ - /, '').trim()

/** How often, and how far apart, a network that still has endpoints is tried again: the engine may be releasing them. */
const NETWORK_TRIES = 10
const NETWORK_RETRY_MS = 300

/**
 * Removes a network, first disconnecting (forced) whatever is still attached, and trying again while the
 * engine says it has active endpoints: right after its containers are removed, it may not have let them go.
 */
export async function removeNetwork(network: Dockerode.Network): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    const info = (await network.inspect().catch(() => undefined)) as { Containers?: Record<string, unknown> } | undefined
    if (!info) return
    await Promise.all(Object.keys(info.Containers ?? {}).map((id) => network.disconnect({ Container: id, Force: true }).catch(() => undefined)))
    try {
      return await network.remove()
    } catch (error) {
      if (attempt >= NETWORK_TRIES || !/active endpoints/i.test((error as Error).message)) throw error
      await new Promise((resolve) => setTimeout(resolve, NETWORK_RETRY_MS))
    }
  }
}
