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

/** Where the router image comes from; each part defaults to what socklab uses (tests replay the registry path with their own). */
export interface RouterImageSource {
  /** The image's name. */
  image?: string
  /** Where this machine's busybox may be ([] : nowhere, as on a machine without one). */
  hostBusybox?: readonly string[]
  /** The registry's busybox, and how it is pulled. */
  registry?: string
  pull?: (docker: Dockerode, image: string) => Promise<void>
}

/**
 * The router image, made once: from this machine's busybox when it has one (Debian's `busybox-static`; no
 * registry needed), else pulled from the registry and tagged.
 */
export async function routerImage(docker: Dockerode, log: (message: string) => void, source: RouterImageSource = {}): Promise<string> {
  const { image = ROUTER_IMAGE, hostBusybox = HOST_BUSYBOX, registry = REGISTRY_BUSYBOX, pull = pullImage } = source
  const [repo, tag] = splitTag(image)
  if (await imageExists(docker, image)) return image
  const host = hostBusybox.find((path) => existsSync(path))
  if (host) {
    log(`making ${image} from this machine's busybox (${host}), for the topology's router`)
    const binary = realpathSync(host)
    let libraries: HostFile[] = []
    try {
      libraries = linkedLibraries(binary)
    } catch {
      // A static busybox links nothing (ldd says "not a dynamic executable").
    }
    return importHostImage(docker, {
      repo,
      tag,
      files: [{ name: 'bin/busybox', path: binary }, ...libraries],
      links: Object.fromEntries(APPLETS.map((applet) => [`bin/${applet}`, 'busybox'])),
      changes: ['ENV PATH=/bin', 'CMD ["sh"]', 'LABEL org.opencontainers.image.title=socklab-router'],
      message: 'busybox from the host: the router of socklab topologies',
    })
  }
  try {
    log(`pulling ${registry} for the topology's router`)
    await pull(docker, registry)
  } catch (error) {
    throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', `a topology's router needs a busybox: install one (Debian: apt-get install busybox-static) or let ${registry} be pulled (${(error as Error).message})`)
  }
  await docker.getImage(registry).tag({ repo, tag })
  return image
}

const splitTag = (image: string): [string, string] => {
  const at = image.lastIndexOf(':')
  return at > image.lastIndexOf('/') ? [image.slice(0, at), image.slice(at + 1)] : [image, 'latest']
}
