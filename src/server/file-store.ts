import { createHash } from 'node:crypto'
import { constants, type BigIntStats } from 'node:fs'
import { lstat, open, readdir, realpath, stat, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { SocklabError } from '../errors/socklab-error.js'
import { fileNameProblem } from './file-name.js'

export interface OpenedFile {
  readonly name: string
  readonly handle: FileHandle
  readonly size: number
  readonly stats: BigIntStats
}

export type OpenResult =
  | { ok: true; file: OpenedFile }
  | { ok: false; code: 'FILE_NOT_FOUND' | 'PATH_REFUSED'; reason: string }

// O_NONBLOCK: opening a FIFO planted in the folder must not hang the server.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK
const HASH_CACHE_ENTRIES = 256
const HASH_CHUNK = 1024 * 1024

/**
 * The served folder. `open()` is the only way to a file's bytes: the name must pass `fileNameProblem`, the
 * final component may not be a symbolic link (O_NOFOLLOW, so a link swapped in after any check is still
 * refused), and the opened descriptor must be a regular file with no other hard links, so bytes from
 * outside the folder are never read.
 */
export class FileStore {
  readonly root: string
  readonly #hashes = new Map<string, Promise<string>>()

  private constructor(root: string) {
    this.root = root
  }

  static async open(folder: string): Promise<FileStore> {
    let root: string
    try {
      root = await realpath(folder)
      if (!(await stat(root)).isDirectory()) throw new Error('not a directory')
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      throw new SocklabError('SOCKLAB_CONFIG_INVALID', `files folder ${folder} cannot be served: ${reason}`)
    }
    return new FileStore(root)
  }

  /** Names of the files `get` would serve, sorted. */
  async list(): Promise<string[]> {
    const entries = await readdir(this.root, { withFileTypes: true })
    const names: string[] = []
    for (const entry of entries) {
      if (!entry.isFile() || fileNameProblem(entry.name) !== undefined) continue
      const info = await lstat(join(this.root, entry.name)).catch(() => undefined)
      if (info?.isFile() && info.nlink === 1) names.push(entry.name)
    }
    return names.sort()
  }

  async open(name: string): Promise<OpenResult> {
    const problem = fileNameProblem(name)
    if (problem) return { ok: false, code: 'PATH_REFUSED', reason: problem }
    let handle: FileHandle
    try {
      handle = await open(join(this.root, name), OPEN_FLAGS)
    } catch (error) {
      return refusalFor(error)
    }
    const stats = await handle.stat({ bigint: true })
    const refusal = !stats.isFile()
      ? ({ ok: false, code: 'FILE_NOT_FOUND', reason: 'not a regular file' } as const)
      : stats.nlink !== 1n
        ? ({ ok: false, code: 'PATH_REFUSED', reason: 'file has other hard links' } as const)
        : undefined
    if (refusal) {
      await handle.close()
      return refusal
    }
    return { ok: true, file: { name, handle, size: Number(stats.size), stats } }
  }

  /** SHA-256 of an opened file, cached by identity and modification time so repeated gets hash once. */
  sha256(file: OpenedFile): Promise<string> {
    const { dev, ino, size, mtimeNs, ctimeNs } = file.stats
    const key = `${dev}:${ino}:${size}:${mtimeNs}:${ctimeNs}`
    let hash = this.#hashes.get(key)
    if (!hash) {
      hash = hashFile(file)
      hash.catch(() => this.#hashes.delete(key))
      this.#hashes.set(key, hash)
      if (this.#hashes.size > HASH_CACHE_ENTRIES) this.#hashes.delete(this.#hashes.keys().next().value!)
    }
    return hash
  }
}

/** SHA-256 of an opened file, read through one reused buffer (no garbage per chunk). */
async function hashFile(file: OpenedFile): Promise<string> {
  const hash = createHash('sha256')
  const buffer = Buffer.allocUnsafeSlow(HASH_CHUNK)
  for (let position = 0; position < file.size; ) {
    const { bytesRead } = await file.handle.read(buffer, 0, Math.min(buffer.length, file.size - position), position)
    if (bytesRead === 0) break
    hash.update(buffer.subarray(0, bytesRead))
    position += bytesRead
  }
  return hash.digest('hex')
}

function refusalFor(error: unknown): OpenResult {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ELOOP') return { ok: false, code: 'PATH_REFUSED', reason: 'symbolic links are not served' }
  if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, code: 'FILE_NOT_FOUND', reason: 'no such file' }
  if (code === 'EACCES' || code === 'EPERM') return { ok: false, code: 'FILE_NOT_FOUND', reason: 'permission denied' }
  return { ok: false, code: 'FILE_NOT_FOUND', reason: code ?? 'cannot open' }
}
