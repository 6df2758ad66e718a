import { createHash } from 'node:crypto'
import { once } from 'node:events'
import type { Socket } from 'node:net'
import { WireError } from '../protocol/wire-error-code.js'
import type { OpenedFile } from './file-store.js'
import type { ReplyWriter } from './reply-writer.js'

export interface TransferOptions {
  chunkSize: number
  signal: AbortSignal
  /** Hash while sending (compatible mode, where nothing was announced up front). */
  hash: boolean
  /** Called with the bytes sent so far, at most every `progressIntervalMs` (0: never). */
  onProgress?(bytes: number): void
  progressIntervalMs?: number
}

/**
 * Streams an opened file through two reused buffers: one is filled from the file while the socket still
 * holds the other, and a buffer is refilled only once the socket has taken its bytes. Whatever the file's
 * size, a transfer holds two chunks; nothing is left for the garbage collector to catch up with. Waits for
 * 'drain' whenever the socket's buffer is full, and sends exactly the size announced.
 */
export async function sendFile(
  socket: Socket,
  writer: ReplyWriter,
  file: OpenedFile,
  options: TransferOptions,
): Promise<{ bytes: number; sha256?: string }> {
  const hash = options.hash ? createHash('sha256') : undefined
  const buffers = [Buffer.allocUnsafeSlow(options.chunkSize), Buffer.allocUnsafeSlow(options.chunkSize)]
  const taken: Array<Promise<void>> = [Promise.resolve(), Promise.resolve()]
  let bytes = 0
  const every = options.onProgress ? (options.progressIntervalMs ?? 0) : 0
  let reported = performance.now()
  for (let turn = 0; bytes < file.size; turn ^= 1) {
    await taken[turn]
    options.signal.throwIfAborted()
    const buffer = buffers[turn]!
    const { bytesRead } = await file.handle.read(buffer, 0, Math.min(buffer.length, file.size - bytes), bytes)
    if (bytesRead === 0) break
    bytes += bytesRead
    const chunk = buffer.subarray(0, bytesRead)
    hash?.update(chunk)
    let release!: () => void
    taken[turn] = new Promise((resolve) => (release = resolve))
    if (!writer.fileChunk(chunk, release)) await once(socket, 'drain', { signal: options.signal })
    if (every > 0 && bytes < file.size && performance.now() - reported >= every) {
      reported = performance.now()
      options.onProgress!(bytes)
    }
  }
  if (bytes !== file.size) {
    throw new WireError('READ_FAILED', `file shrank while being sent (${bytes} of ${file.size} bytes)`)
  }
  return { bytes, sha256: hash?.digest('hex') }
}
