import { createReadStream, readFileSync, statSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { pipeline } from 'node:stream/promises'
import dockerignoreModule from '@balena/dockerignore'
import { pack } from 'tar-stream'

// A CommonJS module whose types declare a default export: at run time the import is the factory itself.
type Factory = typeof dockerignoreModule.default
const loaded = dockerignoreModule as unknown as Factory | { default: Factory }
const dockerignore: Factory = typeof loaded === 'function' ? loaded : loaded.default

/** Folders never looked into for a build context (dependencies and history are never part of the image). */
const NEVER = new Set(['node_modules', '.git'])

/**
 * The files of `root` that a build sends the engine: every file, less what `.dockerignore` leaves out (the
 * rules `docker build` applies, which always sends the Dockerfile and .dockerignore themselves). Image builds
 * send exactly these, and the source-build check replays them.
 */
export async function dockerContextFiles(root: string): Promise<string[]> {
  const ignore = dockerignore({ ignorecase: false })
  ignore.add(readDockerignore(root))
  const files: string[] = []
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (NEVER.has(entry.name)) continue
      const path = join(dir, entry.name)
      if (entry.isDirectory()) await walk(path)
      else if (entry.isFile()) files.push(relative(root, path))
    }
  }
  await walk(root)
  // As `docker build` does: the Dockerfile and .dockerignore go along whatever .dockerignore says.
  const kept = new Set(ignore.filter(files))
  for (const always of ['Dockerfile', '.dockerignore']) if (files.includes(always)) kept.add(always)
  return [...kept].sort()
}

function readDockerignore(root: string): string {
  try {
    return readFileSync(join(root, '.dockerignore'), 'utf8')
  } catch {
    return ''
  }
}

/**
 * The context as the tar stream the engine reads. Packed here rather than by dockerode, whose packer applies
 * .dockerignore once more, without the Dockerfile exception, and so drops the Dockerfile under an allow-list.
 */
export function packContext(root: string, files: readonly string[]): NodeJS.ReadableStream {
  const archive = pack()
  void (async () => {
    try {
      for (const name of files) {
        const path = join(root, name)
        const { size, mode } = statSync(path)
        await pipeline(createReadStream(path), archive.entry({ name, size, mode: mode & 0o777 }))
      }
      archive.finalize()
    } catch (error) {
      archive.destroy(error as Error)
    }
  })()
  return archive as unknown as NodeJS.ReadableStream
}
