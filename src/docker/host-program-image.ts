import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync, realpathSync } from 'node:fs'
import type Dockerode from 'dockerode'
import { SocklabError } from '../errors/socklab-error.js'
import { imageExists } from './docker-engine.js'
import { importHostImage, linkedLibraries } from './host-image.js'

/** `host:redis-server`: a base made of this machine's program of that name. */
export const HOST_BASE_PREFIX = 'host:'

/**
 * A base image holding one program of this machine (`host:redis-server`) at /usr/local/bin and the
 * libraries `ldd` lists for it, for servers under test that are a binary of the host's (a Debian
 * redis-server) where no registry answers. Named after the program and the hash of its binary, so an
 * upgraded program makes a new image; made once.
 */
export async function hostProgramImage(docker: Dockerode, program: string, log: (message: string) => void): Promise<string> {
  if (!/^[A-Za-z0-9._+-]+$/.test(program)) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `${HOST_BASE_PREFIX}${program}: a program name (letters, digits, . _ + -)`)
  const found = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', program], { encoding: 'utf8' })
  const path = found.stdout.trim()
  if (found.status !== 0 || !path.startsWith('/')) {
    throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', `the base ${HOST_BASE_PREFIX}${program} is made from this machine's ${program}, and there is none on its PATH: install it (apt-get install ${program}), or give the server an image`)
  }
  const binary = realpathSync(path)
  const hash = createHash('sha256').update(readFileSync(binary)).digest('hex').slice(0, 12)
  const repo = `socklab/host-${program.toLowerCase().replace(/[^a-z0-9._-]/g, '-')}`
  const tag = `${repo}:${hash}`
  if (await imageExists(docker, tag)) return tag
  log(`making ${tag} from this machine's ${program} (${binary}) and the libraries it links`)
  return importHostImage(docker, {
    repo,
    tag: hash,
    files: [{ name: `usr/local/bin/${program}`, path: binary }, ...linkedLibraries(binary)],
    changes: ['ENV PATH=/usr/local/bin:/usr/bin:/bin', `CMD ["${program}"]`, `LABEL org.opencontainers.image.title=socklab-host-${program}`],
    message: `${program} from the host, for servers under test where no registry answers`,
  })
}
