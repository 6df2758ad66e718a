import { spawnSync } from 'node:child_process'
import { createReadStream, realpathSync, statSync } from 'node:fs'
import { pipeline } from 'node:stream/promises'
import type Dockerode from 'dockerode'
import { pack } from 'tar-stream'
import { SocklabError } from '../errors/socklab-error.js'
import { followDockerProgress } from './docker-progress.js'

/** One file of a host image: where it goes in the image (no leading slash) and where it is on this machine. */
export interface HostFile {
  name: string
  path: string
}

export interface HostImage {
  repo: string
  tag: string
  files: HostFile[]
  /** Symbolic links: name in the image → target. */
  links?: Record<string, string>
  /** Dockerfile instructions applied on import (ENV, CMD, LABEL). */
  changes: string[]
  message: string
}

/**
 * Imports an image made of files taken from this machine (a runtime, its libraries), for machines where no
 * registry answers: nothing but the files given, /tmp, and passwd and group entries for uid 1000. No shell,
 * no package manager. Returns its `repo:tag`.
 */
export async function importHostImage(docker: Dockerode, image: HostImage): Promise<string> {
  const archive = pack()
  const made = new Set<string>()
  const parents = (name: string) => {
    const parts = name.split('/')
    for (let i = 1; i < parts.length; i += 1) {
      const folder = parts.slice(0, i).join('/')
      if (made.has(folder)) continue
      made.add(folder)
      archive.entry({ name: folder, type: 'directory', mode: folder === 'tmp' ? 0o1777 : 0o755 })
    }
  }
  const writing = (async () => {
    parents('tmp/.')
    parents('etc/.')
    archive.entry({ name: 'etc/passwd', mode: 0o644 }, 'root:x:0:0:root:/root:/sbin/nologin\nsocklab:x:1000:1000:socklab:/srv:/sbin/nologin\n')
    archive.entry({ name: 'etc/group', mode: 0o644 }, 'root:x:0:\nsocklab:x:1000:\n')
    for (const { name, path } of image.files) {
      parents(name)
      const { size, mode } = statSync(path)
      await pipeline(createReadStream(path), archive.entry({ name, size, mode: mode & 0o7777 }))
    }
    for (const [name, target] of Object.entries(image.links ?? {})) {
      parents(name)
      archive.entry({ name, type: 'symlink', linkname: target })
    }
    archive.finalize()
  })()
  const stream = await docker.importImage(archive as unknown as NodeJS.ReadableStream, {
    repo: image.repo,
    tag: image.tag,
    changes: image.changes,
    message: image.message,
  } as object)
  const name = `${image.repo}:${image.tag}`
  await Promise.all([writing, followDockerProgress(docker, stream, `importing ${name}`)])
  return name
}

/** Every library `ldd` names for a binary or shared object (the `=>` targets and the dynamic loader), at their real paths. */
export function linkedLibraries(binary: string): HostFile[] {
  const run = spawnSync('ldd', [binary], { encoding: 'utf8' })
  if (run.status !== 0) throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', `cannot list the libraries of ${binary} (ldd): ${run.stderr.trim()}`)
  const libraries = run.stdout.split('\n').flatMap((line) => {
    const linked = /=>\s+(\/\S+)/.exec(line)
    if (linked) return [linked[1]!]
    const loader = /^\s*(\/\S*ld-linux\S*)/.exec(line)
    return loader ? [loader[1]!] : []
  })
  return [...new Set(libraries)].map((path) => ({ name: path.slice(1), path: realpathSync(path) }))
}
