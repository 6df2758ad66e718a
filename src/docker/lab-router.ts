import type Dockerode from 'dockerode'
import { SocklabError } from '../errors/socklab-error.js'
import { demultiplexLog } from './docker-log.js'

/** A route a node of a topology takes to another subnet: through the router's address on its own network. */
export interface LabRoute {
  subnet: string
  via: string
}

/** One network the router joins: the engine's name for it and the router's address there. */
export interface RouterLeg {
  network: string
  address: string
}

/**
 * A topology's router: a busybox container on every network of the run, at the last address of each, with
 * IPv4 forwarding on in its own namespace (the host's own forwarding and Docker's isolation between bridges
 * are left as they are). It does no NAT: a server behind it sees its clients' own addresses.
 */
export async function startRouter(docker: Dockerode, image: string, name: string, labels: Record<string, string>, legs: readonly RouterLeg[]): Promise<Dockerode.Container> {
  const [first, ...rest] = legs
  const router = await docker.createContainer({
    Image: image,
    name,
    Labels: labels,
    Cmd: ['sleep', '2147483647'],
    HostConfig: { NetworkMode: first!.network, Sysctls: { 'net.ipv4.ip_forward': '1' }, Init: true },
    NetworkingConfig: { EndpointsConfig: { [first!.network]: { IPAMConfig: { IPv4Address: first!.address } } } },
  })
  try {
    for (const leg of rest) await docker.getNetwork(leg.network).connect({ Container: router.id, EndpointConfig: { IPAMConfig: { IPv4Address: leg.address } } })
    await router.start()
  } catch (error) {
    await router.remove({ force: true }).catch(() => undefined)
    throw error
  }
  return router
}

/**
 * Gives a running container its routes to the other subnets, from a short-lived helper that shares its
 * network namespace and holds NET_ADMIN (the node itself keeps no capability, and needs no `ip` of its own).
 * Called again after a node is put back on its network or restarted: its routes go with its interface.
 */
export async function addRoutes(docker: Dockerode, image: string, container: Dockerode.Container, routes: readonly LabRoute[], labels: Record<string, string>): Promise<void> {
  if (routes.length === 0) return
  const script = routes.map((r) => `ip route replace ${r.subnet} via ${r.via}`).join(' && ')
  await inNetworkNamespace(docker, image, container, script, labels, `route ${routes.map((r) => `${r.subnet} via ${r.via}`).join(', ')}`)
}

/**
 * Runs `script` (busybox sh) in a container's network namespace from a short-lived helper that holds
 * NET_ADMIN (the container keeps no capability); fails saying what could not be done (`what`) and why.
 */
export async function inNetworkNamespace(docker: Dockerode, image: string, container: Dockerode.Container, script: string, labels: Record<string, string>, what: string): Promise<void> {
  const helper = await docker.createContainer({
    Image: image,
    Labels: labels,
    Cmd: ['sh', '-c', script],
    HostConfig: { NetworkMode: `container:${container.id}`, CapAdd: ['NET_ADMIN'], CapDrop: ['ALL'] },
  })
  try {
    await helper.start()
    const { StatusCode } = (await helper.wait()) as { StatusCode: number }
    if (StatusCode !== 0) {
      const raw = (await helper.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer
      throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', `could not ${what}: ${demultiplexLog(raw).combined.trim() || `exit ${StatusCode}`}`)
    }
  } finally {
    await helper.remove({ force: true }).catch(() => undefined)
  }
}
