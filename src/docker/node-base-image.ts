import { realpathSync } from 'node:fs'
import type Dockerode from 'dockerode'
import { imageExists } from './docker-engine.js'
import { importHostImage, linkedLibraries } from './host-image.js'

/**
 * A Node base image made from this machine's own Node runtime, for machines where no registry answers: the
 * `node` binary and the shared libraries `ldd` lists for it. Made once per Node version; returns its tag.
 */
export async function nodeBaseImage(docker: Dockerode, log: (message: string) => void): Promise<string> {
  const nodeBinary = realpathSync(process.execPath)
  const version = process.versions.node
  const tag = `socklab/node-base:${version}`
  if (await imageExists(docker, tag)) return tag
  log(`making ${tag} from this machine's Node (${nodeBinary}) and the libraries it links`)
  return importHostImage(docker, {
    repo: 'socklab/node-base',
    tag: version,
    files: [{ name: 'usr/local/bin/node', path: nodeBinary }, ...linkedLibraries(nodeBinary)],
    changes: ['ENV PATH=/usr/local/bin:/usr/bin:/bin', 'CMD ["node"]', `LABEL org.opencontainers.image.title=socklab-node-base org.opencontainers.image.version=${version}`],
    message: `Node ${version} from the host, for offline socklab builds`,
  })
}
