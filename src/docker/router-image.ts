import { existsSync, realpathSync } from 'node:fs'
import type Dockerode from 'dockerode'
import { SocklabError } from '../errors/socklab-error.js'
import { imageExists, pullImage } from './docker-engine.js'
import { importHostImage, linkedLibraries, type HostFile } from './host-image.js'

/** The image of a topology's router and of the helper that sets a node's routes: a busybox (sh, ip, sleep). */
export const ROUTER_IMAGE = 'socklab/router:busybox'
/** Where a registry answers and this machine has no busybox of its own. */
export const REGISTRY_BUSYBOX = 'busybox:1.36'
const HOST_BUSYBOX = ['/bin/busybox', '/usr/bin/busybox']
const APPLETS = ['sh', 'ip', 'sleep', 'sysctl', 'cat']

/**
 * The router image, made once: from this machine's busybox when it has one (Debian's `busybox-static`; no
 * registry needed), else pulled from the registry and tagged.
 */
export async function routerImage(docker: Dockerode, log: (message: string) => void): Promise<string> {
  if (await imageExists(docker, ROUTER_IMAGE)) return ROUTER_IMAGE
  const host = HOST_BUSYBOX.find((path) => existsSync(path))
  if (host) {
    log(`making ${ROUTER_IMAGE} from this machine's busybox (${host}), for the topology's router`)
    const binary = realpathSync(host)
    let libraries: HostFile[] = []
    try {
      libraries = linkedLibraries(binary)
    } catch {
      // A static busybox links nothing (ldd says "not a dynamic executable").
    }
    return importHostImage(docker, {
      repo: 'socklab/router',
      tag: 'busybox',
      files: [{ name: 'bin/busybox', path: binary }, ...libraries],
      links: Object.fromEntries(APPLETS.map((applet) => [`bin/${applet}`, 'busybox'])),
      changes: ['ENV PATH=/bin', 'CMD ["sh"]', 'LABEL org.opencontainers.image.title=socklab-router'],
      message: 'busybox from the host: the router of socklab topologies',
    })
  }
  try {
    log(`pulling ${REGISTRY_BUSYBOX} for the topology's router`)
    await pullImage(docker, REGISTRY_BUSYBOX)
  } catch (error) {
    throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', `a topology's router needs a busybox: install one (Debian: apt-get install busybox-static) or let ${REGISTRY_BUSYBOX} be pulled (${(error as Error).message})`)
  }
  await docker.getImage(REGISTRY_BUSYBOX).tag({ repo: 'socklab/router', tag: 'busybox' })
  return ROUTER_IMAGE
}
