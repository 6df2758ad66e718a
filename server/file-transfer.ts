import { createHash } from 'node:crypto'
import { once } from 'node:events'
import type { Socket } from 'node:net'
import { WireError } from '../protocol/wire-error-code.js'
import { readFileRange, type OpenedFile } from './file-store.js'
import type { ReplyWriter } from './reply-writer.js'

export interface TransferOptions {
  chunkSize: number
  signal: AbortSignal
  /** Hash while sending (compatible mode, where nothing was announced up front). */
  hash: boolean
}

/**
 * Streams an opened file chunk by chunk, waiting for 'drain' whenever the socket's buffer is full, so a
 * transfer holds about one chunk in memory whatever the file's size. Sends exactly the size announced.
 */
export async function sendFile(
  socket: Socket,
  writer: ReplyWriter,
  file: OpenedFile,
  options: TransferOptions,
): Promise<{ bytes: number; sha256?: string }> {
  const hash = options.hash ? createHash('sha256') : undefined
  let bytes = 0
  if (file.size > 0) {
    const stream = readFileRange(file, { highWaterMark: options.chunkSize, signal: options.signal })
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length
      hash?.update(chunk)
      if (!writer.fileChunk(chunk)) await once(socket, 'drain', { signal: options.signal })
    }
  }
  if (bytes !== file.size) {
    throw new WireError('READ_FAILED', `file shrank while being sent (${bytes} of ${file.size} bytes)`)
  }
  return { bytes, sha256: hash?.digest('hex') }
}
