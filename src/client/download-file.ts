import { createHash, randomBytes, type Hash } from 'node:crypto'
import { createWriteStream, type WriteStream } from 'node:fs'
import { open, rename, rm, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { SocklabError } from '../errors/socklab-error.js'
import { localFileName } from './local-file-name.js'

/** Bytes a download may hold in memory ahead of the disk before it asks the socket to pause. */
const WRITE_BUFFER = 8 * 1024 * 1024

export interface Expected {
  size?: number
  sha256?: string
}

export interface SavedFile {
  name: string
  path: string
  bytes: number
  sha256: string
}

/**
 * A download in progress. Bytes go to a hidden temporary file beside the final one; only when the size and
 * SHA-256 match what the server announced, and the data is on disk, is it renamed to the final name.
 * Whatever else happens, the temporary file is removed and the final name is never touched.
 */
export class DownloadFile {
  readonly name: string
  readonly path: string
  readonly #temporary: string
  readonly #handle: FileHandle
  readonly #stream: WriteStream
  readonly #hash: Hash = createHash('sha256')
  readonly #expected: Expected
  #bytes = 0
  #failure?: Error

  private constructor(name: string, path: string, temporary: string, handle: FileHandle, expected: Expected) {
    this.name = name
    this.path = path
    this.#temporary = temporary
    this.#handle = handle
    this.#expected = expected
    // By descriptor number: a stream made from the FileHandle would keep handle.close() waiting forever.
    // A large buffer: with the default 16 KiB every network read would pause the socket for the disk.
    this.#stream = createWriteStream('', { fd: handle.fd, autoClose: false, highWaterMark: WRITE_BUFFER })
    this.#stream.on('error', (error) => {
      this.#failure ??= error // reported by finish()
    })
  }

  /** Creates the temporary file, so a folder that cannot be written fails here, before any byte is read. */
  static async create(dir: string, requested: string, expected: Expected = {}): Promise<DownloadFile> {
    const name = localFileName(requested)
    const temporary = join(dir, `.${name}.${randomBytes(4).toString('hex')}.part`)
    try {
      const handle = await open(temporary, 'wx', 0o644)
      return new DownloadFile(name, join(dir, name), temporary, handle, expected)
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      throw new SocklabError('SOCKLAB_TRANSFER_FAILED', `cannot save ${name} in ${dir}: ${reason}`, { cause: error })
    }
  }

  get bytes(): number {
    return this.#bytes
  }

  /** False when the disk is behind: stop reading until 'drain'. */
  write(chunk: Buffer): boolean {
    this.#bytes += chunk.length
    this.#hash.update(chunk)
    return this.#stream.write(chunk)
  }

  /** Calls back once the disk caught up, or once writing failed (finish() then reports why). */
  onceDrained(listener: () => void): void {
    const done = () => {
      this.#stream.off('drain', done).off('error', done)
      listener()
    }
    this.#stream.once('drain', done).once('error', done)
  }

  async finish(): Promise<SavedFile> {
    try {
      await new Promise<void>((resolve, reject) => {
        if (this.#failure) return reject(this.#failure)
        this.#stream.once('error', reject)
        this.#stream.end(() => resolve())
      })
      const sha256 = this.#hash.digest('hex')
      const { size, sha256: expectedSha } = this.#expected
      if (size !== undefined && this.#bytes !== size) throw new Error(`received ${this.#bytes} of ${size} bytes`)
      if (expectedSha !== undefined && sha256 !== expectedSha) throw new Error(`sha256 mismatch: expected ${expectedSha}, got ${sha256}`)
      await this.#handle.sync()
      await this.#handle.close()
      await rename(this.#temporary, this.path)
      return { name: this.name, path: this.path, bytes: this.#bytes, sha256 }
    } catch (error) {
      await this.abort()
      const reason = error instanceof Error ? error.message : String(error)
      throw new SocklabError('SOCKLAB_TRANSFER_FAILED', `${this.name}: ${reason}`, { cause: error })
    }
  }

  async abort(): Promise<void> {
    this.#stream.destroy()
    await this.#handle.close().catch(() => undefined)
    await rm(this.#temporary, { force: true })
  }
}
