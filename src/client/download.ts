import { createHash, randomBytes, type Hash } from 'node:crypto'
import { createWriteStream, type WriteStream } from 'node:fs'
import { open, rename, rm, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { SocklabError } from '../errors/socklab-error.js'
import { localFileName } from './local-file-name.js'
import type { TransferProgress } from './transfer-progress.js'

/** Bytes a download may hold in memory ahead of the disk before it asks the socket to pause. */
const WRITE_BUFFER = 8 * 1024 * 1024

export interface Expected {
  size?: number
  sha256?: string
}

/** How much a download may hold: the size announced (framed mode) and never more than `maxBytes`. */
export interface DownloadLimits {
  maxBytes: number
  progress?: TransferProgress
}

export interface SavedFile {
  name: string
  path: string
  bytes: number
  sha256: string
}

/** Where a download stands: receiving, being verified and renamed, saved, or discarded. */
export type DownloadState = 'receiving' | 'finishing' | 'saved' | 'discarded'

/**
 * One download, from its first byte to its end: the one owner of its temporary file, its descriptor, its
 * hash, its progress display, and of how it ends. Bytes go to a hidden temporary file beside the final one
 * (`.socklab-<random>.part`, short whatever the final name's length); only when the size and SHA-256 match
 * what the server announced, and the data is on disk, is it renamed to the final name. Every other end (a
 * refusal, a cancel, a timeout, a lost connection, a protocol error) is `discard()`: the temporary file goes,
 * the final name is never touched, and the progress display gives the terminal back.
 */
export class Download {
  readonly name: string
  readonly path: string
  readonly expected: Readonly<Expected>
  readonly #temporary: string
  readonly #handle: FileHandle
  readonly #stream: WriteStream
  readonly #hash: Hash = createHash('sha256')
  readonly #progress?: TransferProgress
  /** The most bytes this download takes: the announced size, else the configured maximum. */
  readonly #limit: number
  #state: DownloadState = 'receiving'
  #bytes = 0
  #failure?: Error
  #discarding?: Promise<void>

  private constructor(name: string, dir: string, temporary: string, handle: FileHandle, expected: Expected, limits: DownloadLimits) {
    const { progress } = limits
    this.name = name
    this.path = join(dir, name)
    this.expected = expected
    this.#temporary = temporary
    this.#handle = handle
    this.#progress = progress
    this.#limit = Math.min(expected.size ?? Infinity, limits.maxBytes)
    // By descriptor number: a stream made from the FileHandle would keep handle.close() waiting forever.
    // A large buffer: with the default 16 KiB every network read would pause the socket for the disk.
    this.#stream = createWriteStream('', { fd: handle.fd, autoClose: false, highWaterMark: WRITE_BUFFER })
    this.#stream.on('error', (error) => {
      this.#failure ??= error // reported by finish()
    })
    progress?.start(name, expected.size)
  }

  /** Creates the temporary file, so a folder that cannot be written fails here, before any byte is read. */
  static async open(dir: string, requested: string, expected: Expected, limits: DownloadLimits): Promise<Download> {
    const name = localFileName(requested)
    if (expected.size !== undefined && expected.size > limits.maxBytes) {
      throw new SocklabError('SOCKLAB_TRANSFER_FAILED', `${name}: the server announced ${expected.size} bytes, more than the ${limits.maxBytes} allowed (--max-download-bytes)`)
    }
    const temporary = join(dir, `.socklab-${randomBytes(6).toString('hex')}.part`)
    try {
      const handle = await open(temporary, 'wx', 0o644)
      return new Download(name, dir, temporary, handle, expected, limits)
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      throw new SocklabError('SOCKLAB_TRANSFER_FAILED', `cannot save ${name} in ${dir}: ${reason}`, { cause: error })
    }
  }

  get state(): DownloadState {
    return this.#state
  }

  get bytes(): number {
    return this.#bytes
  }

  /**
   * False when the disk is behind: stop reading until onceDrained(). Bytes after the end are dropped. Bytes
   * beyond the announced size (or the maximum) are never written: the download is discarded and this throws.
   */
  write(chunk: Buffer): boolean {
    if (this.#state !== 'receiving') return true
    if (this.#bytes + chunk.length > this.#limit) {
      void this.discard()
      const { size } = this.expected
      throw new SocklabError(
        'SOCKLAB_TRANSFER_FAILED',
        size !== undefined && size <= this.#limit
          ? `${this.name}: the server sent more than the ${size} bytes announced`
          : `${this.name}: more than ${this.#limit} bytes, the most allowed (--max-download-bytes)`,
      )
    }
    this.#bytes += chunk.length
    this.#hash.update(chunk)
    this.#progress?.advance(chunk.length)
    return this.#stream.write(chunk)
  }

  /** Calls back once the disk caught up, or once writing failed or the download ended. */
  onceDrained(listener: () => void): void {
    if (this.#state !== 'receiving' || !this.#stream.writableNeedDrain) return listener()
    const done = () => {
      this.#stream.off('drain', done).off('error', done).off('close', done)
      listener()
    }
    this.#stream.once('drain', done).once('error', done).once('close', done)
  }

  /** Verifies what arrived against what was announced, syncs it, and gives it its final name. */
  async finish(): Promise<SavedFile> {
    if (this.#state !== 'receiving') throw new SocklabError('SOCKLAB_TRANSFER_FAILED', `${this.name}: the download already ended (${this.#state})`)
    this.#state = 'finishing'
    try {
      await new Promise<void>((resolve, reject) => {
        if (this.#failure) return reject(this.#failure)
        this.#stream.once('error', reject)
        this.#stream.end(() => resolve())
      })
      const sha256 = this.#hash.digest('hex')
      const { size, sha256: expectedSha } = this.expected
      if (size !== undefined && this.#bytes !== size) throw new Error(`received ${this.#bytes} of ${size} bytes`)
      if (expectedSha !== undefined && sha256 !== expectedSha) throw new Error(`sha256 mismatch: expected ${expectedSha}, got ${sha256}`)
      await this.#handle.sync()
      await this.#handle.close()
      await rename(this.#temporary, this.path)
      this.#state = 'saved'
      this.#progress?.stop()
      return { name: this.name, path: this.path, bytes: this.#bytes, sha256 }
    } catch (error) {
      this.#state = 'receiving' // let discard() do its whole job
      await this.discard()
      const reason = error instanceof Error ? error.message : String(error)
      throw new SocklabError('SOCKLAB_TRANSFER_FAILED', `${this.name}: ${reason}`, { cause: error })
    }
  }

  /** Ends the download without a file: the temporary file is removed, the final name untouched. Idempotent. */
  discard(): Promise<void> {
    if (this.#state === 'saved') return Promise.resolve()
    this.#state = 'discarded'
    this.#discarding ??= (async () => {
      this.#progress?.stop()
      this.#stream.destroy()
      await this.#handle.close().catch(() => undefined)
      await rm(this.#temporary, { force: true })
    })()
    return this.#discarding
  }
}
