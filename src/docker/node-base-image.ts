import { spawnSync } from 'node:child_process'
import { createReadStream, realpathSync, statSync } from 'node:fs'
import { pipeline } from 'node:stream/promises'
import type Dockerode from 'dockerode'
import { pack } from 'tar-stream'
import { SocklabError } from '../errors/socklab-error.js'
import { imageExists } from './docker-engine.js'
import { followDockerProgress } from './docker-progress.js'

/**
 * A Node base image made from this machine's own Node runtime, for machines where no registry answers: the
 * `node` binary, the shared libraries `ldd` lists for it, /tmp, and a passwd entry for uid 1000. No shell,
 * no package manager. Made once per Node version; returns its tag.
 */
export async function nodeBaseImage(docker: Dockerode, log: (message: string) => void): Promise<string> {
  const nodeBinary = realpathSync(process.execPath)
  const version = process.versions.node
  const tag = `socklab/node-base:${version}`
  if (await imageExists(docker, tag)) return tag
  log(`making ${tag} from this machine's Node (${nodeBinary}) and the libraries it links`)
  const archive = pack()
  const dir = (name: string, mode = 0o755) => archive.entry({ name, type: 'directory', mode })
  const text = (name: string, content: string) => archive.entry({ name, mode: 0o644 }, content)
  const file = async (name: string, path: string) => {
    const { size, mode } = statSync(path)
    const entry = archive.entry({ name, size, mode: mode & 0o7777 })
    await pipeline(createReadStream(path), entry)
  }
  const writing = (async () => {
    for (const folder of ['usr', 'usr/local', 'usr/local/bin', 'etc']) dir(folder)
    dir('tmp', 0o1777)
    text('etc/passwd', 'root:x:0:0:root:/root:/sbin/nologin\nnode:x:1000:1000:node:/srv:/sbin/nologin\n')
    text('etc/group', 'root:x:0:\nnode:x:1000:\n')
    await file('usr/local/bin/node', nodeBinary)
    const made = new Set<string>()
    for (const library of linkedLibraries(nodeBinary)) {
      const parts = library.split('/').filter(Boolean)
      for (let i = 1; i < parts.length; i += 1) {
        const folder = parts.slice(0, i).join('/')
        if (!made.has(folder) && !['usr', 'etc'].includes(folder)) dir(folder)
        made.add(folder)
      }
      await file(parts.join('/'), realpathSync(library))
    }
    archive.finalize()
  })()
  const stream = await docker.importImage(archive as unknown as NodeJS.ReadableStream, {
    repo: 'socklab/node-base',
    tag: version,
    changes: ['ENV PATH=/usr/local/bin:/usr/bin:/bin', 'CMD ["node"]', `LABEL org.opencontainers.image.title=socklab-node-base org.opencontainers.image.version=${version}`],
    message: `Node ${version} from the host, for offline socklab builds`,
  } as object)
  await Promise.all([writing, followDockerProgress(docker, stream, `importing ${tag}`)])
  return tag
}

/** Every library `ldd` names for the binary (the `=>` targets and the dynamic loader), at their paths. */
function linkedLibraries(binary: string): string[] {
  const run = spawnSync('ldd', [binary], { encoding: 'utf8' })
  if (run.status !== 0) throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', `cannot list the libraries of ${binary} (ldd): ${run.stderr.trim()}`)
  const libraries = run.stdout.split('\n').flatMap((line) => {
    const linked = /=>\s+(\/\S+)/.exec(line)
    if (linked) return [linked[1]!]
    const loader = /^\s*(\/\S*ld-linux\S*)/.exec(line)
    return loader ? [loader[1]!] : []
  })
  return [...new Set(libraries)]
}
