import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { chmod, cp, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ownedTempDir } from '../ownership/owned-temp-dir.js'
import type { FileSetup } from './scenario.js'

/** A scenario's files folder: the shipped server_files plus what the scenario adds, in a fresh folder. */
export interface ServedFiles extends AsyncDisposable {
  dir: string
  /** Names the scenario generated (a remote server will not have them). */
  generated: ReadonlySet<string>
  sha256(name: string): Promise<string>
}

const CHUNK = 1024 * 1024

export async function prepareServedFiles(shipped: string, files: readonly FileSetup[]): Promise<ServedFiles> {
  const temp = await ownedTempDir('scenario')
  const root = temp.path
  const dir = join(root, 'server_files')
  try {
    await cp(shipped, dir, { recursive: true })
    for (const file of files) {
      const path = join(dir, file.name)
      if (file.kind === 'text') await writeFile(path, file.text, { mode: 0o644 })
      else if (file.kind === 'link') await symlink(file.target, path)
      else await writeRandom(path, file.size)
    }
    // Readable by the container's non-root user when bind-mounted.
    await chmod(root, 0o755)
    await chmod(dir, 0o755)
  } catch (error) {
    // A preparation that failed leaves nothing behind either.
    await temp[Symbol.asyncDispose]()
    throw error
  }
  const hashes = new Map<string, Promise<string>>()
  return {
    dir,
    generated: new Set(files.map((f) => f.name)),
    sha256(name) {
      let hash = hashes.get(name)
      if (!hash) hashes.set(name, (hash = hashFile(join(dir, name))))
      return hash
    },
    [Symbol.asyncDispose]: () => temp[Symbol.asyncDispose](),
  }
}

async function writeRandom(path: string, size: number): Promise<void> {
  const { open } = await import('node:fs/promises')
  const handle = await open(path, 'w', 0o644)
  try {
    for (let written = 0; written < size; written += CHUNK) await handle.write(randomBytes(Math.min(CHUNK, size - written)))
  } finally {
    await handle.close()
  }
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}
