import { rm } from 'node:fs/promises'
import type Dockerode from 'dockerode'
import { isSocklabMade, ownerFromLabels } from './owner-labels.js'
import { describeOwner, ownerState, type Owner } from './owner.js'
import { listOwnedTempDirs } from './owned-temp-dir.js'

export interface Leftover {
  kind: 'container' | 'network' | 'folder'
  name: string
  owner?: Owner
}

export interface SweepOptions {
  /** Everything socklab made, whoever made it and whether or not its owner still runs. */
  all?: boolean
  /** Also look at containers and networks (without it, only temporary folders). */
  docker?: Dockerode
}

/**
 * Removes what socklab runs left behind: containers, networks and temporary folders whose owner process is
 * gone (a run that was killed, or crashed). What a running process owns, or another host's, is left alone.
 * With `all`, everything socklab made goes. Returns what was removed.
 */
export async function sweepLeftovers(options: SweepOptions = {}): Promise<Leftover[]> {
  const removable = (owner: Owner | undefined, made: boolean) => made && (options.all === true || (owner !== undefined && ownerState(owner) === 'gone'))
  const removed: Leftover[] = []
  if (options.docker) {
    const docker = options.docker
    const containers = (await docker.listContainers({ all: true })).filter((c) => removable(ownerFromLabels(c.Labels), isSocklabMade(c.Labels)))
    await Promise.all(
      containers.map(async (c) => {
        await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)
        removed.push({ kind: 'container', name: c.Names[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12), owner: ownerFromLabels(c.Labels) })
      }),
    )
    const networks = (await docker.listNetworks()).filter((n) => removable(ownerFromLabels(n.Labels), isSocklabMade(n.Labels)))
    await Promise.all(
      networks.map(async (n) => {
        await docker.getNetwork(n.Id).remove().catch(() => undefined)
        removed.push({ kind: 'network', name: n.Name, owner: ownerFromLabels(n.Labels) })
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

export const describeLeftover = (l: Leftover): string => `${l.kind} ${l.name}${l.owner ? ` (made by ${describeOwner(l.owner)})` : ''}`
