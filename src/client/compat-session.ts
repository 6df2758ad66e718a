import type { Socket } from 'node:net'
import { SocklabError } from '../errors/socklab-error.js'
import { FILE_NOT_FOUND, SERVER_FULL, echoReply } from '../protocol/original-text.js'
import { Download } from './download.js'
import { serverFull } from './handshake.js'
import { protocolError } from './server-payloads.js'
import { cancelled, getTarget, type CancelledTransfer, type Reply, type SendHooks, type Session, type Settleable } from './reply.js'
import { SocketSession } from './socket-session.js'

export interface CompatSessionOptions {
  downloadDir: string
  replyTimeoutMs: number
  quietMs: number
  maxReplyLength: number
  maxDownloadBytes: number
}

interface Pending extends Settleable {
  hooks: SendHooks
  chunks: Buffer[]
  length: number
  /** Bytes written to the download so far, awaited before it is finished. */
  writing: Promise<void>
}

const NOT_FOUND = Buffer.from(FILE_NOT_FOUND, 'utf8')
const FULL = Buffer.from(SERVER_FULL, 'utf8')

/**
 * Talking to a server without framed mode (the original). Commands go out bare, as the original client sent
 * them. Replies carry no length, so one is complete when it is exactly the expected echo, when the server
 * closes, or once it has been quiet for `quietMs`; a file therefore cannot be verified, only saved whole.
 */
export class CompatSession extends SocketSession<Pending> implements Session {
  readonly mode = 'compat'
  readonly clientName = undefined
  readonly #options: CompatSessionOptions
  /** Bytes that arrived while no command was waiting; bounded by maxReplyLength. */
  #early: Buffer[] = []
  #earlyLength = 0
  /** After a cancel: the rest of the file is read and dropped until the server has been quiet for quietMs. */
  #discarding?: { quiet: NodeJS.Timeout; done: Promise<void>; end(): void }

  constructor(socket: Socket, options: CompatSessionOptions) {
    super(socket)
    this.#options = options
    socket.on('data', (chunk: Buffer) => this.#onData(chunk))
    socket.on('close', () => this.#complete(true))
  }

  send(command: string, hooks: SendHooks = {}): Promise<Reply> {
    // The rest of a cancelled file is still arriving: the next command waits until it has.
    if (this.#discarding && !this.pending) return this.#discarding.done.then(() => this.send(command, hooks))
    if (this.pending) return Promise.reject(new SocklabError('SOCKLAB_PROTOCOL_ERROR', 'a command is already in flight'))
    if (this.socket.destroyed) return Promise.reject(this.failure ?? new SocklabError('SOCKLAB_CONNECTION_LOST', this.closeReason))
    return new Promise<Reply>((resolve, reject) => {
      this.pending = { command, hooks, chunks: [], length: 0, writing: Promise.resolve(), resolve, reject }
      this.socket.write(command)
      if (command === 'exit') {
        // The original server answers exit by closing, without a word.
        this.socket.end()
        this.closeReason = 'exit'
      }
      this.#arm(this.#options.replyTimeoutMs)
      const early = this.#early
      this.#early = []
      this.#earlyLength = 0
      for (const chunk of early) this.#onData(chunk)
    })
  }

  cancel(): CancelledTransfer | undefined {
    const pending = this.pending
    const requested = pending && getTarget(pending.command)
    if (requested === undefined) return undefined
    const transfer = { name: pending!.download?.name ?? requested, bytes: pending!.download?.bytes ?? pending!.length, size: undefined }
    let end!: () => void
    const done = new Promise<void>((resolve) => (end = resolve))
    this.#discarding = { quiet: setTimeout(() => this.#endDiscarding(), this.#options.quietMs), done, end }
    this.settle(cancelled(transfer))
    return transfer
  }

  #endDiscarding(): void {
    const discarding = this.#discarding
    if (!discarding) return
    clearTimeout(discarding.quiet)
    this.#discarding = undefined
    discarding.end()
  }

  #onData(chunk: Buffer): void {
    if (this.#discarding) {
      this.#discarding.quiet.refresh()
      return
    }
    const pending = this.pending
    if (!pending) {
      this.#early.push(chunk)
      this.#earlyLength += chunk.length
      const max = this.#options.maxReplyLength
      if (this.#earlyLength > max) this.fail(protocolError(`the server sent more than ${max} bytes without being asked (--max-reply-length)`))
      return
    }
    if (pending.command.startsWith('get ') && pending.length + chunk.length > NOT_FOUND.length) {
      this.#toFile(pending, chunk)
    } else {
      pending.chunks.push(chunk)
      pending.length += chunk.length
      if (pending.length > this.#options.maxReplyLength) {
        this.settle(new SocklabError('SOCKLAB_PROTOCOL_ERROR', `reply longer than ${this.#options.maxReplyLength} bytes`))
        this.socket.destroy()
        return
      }
    }
    const expected = pending.command === 'exit' ? undefined : Buffer.from(echoReply(pending.command), 'utf8')
    if (expected && !pending.download && pending.length === expected.length && Buffer.concat(pending.chunks).equals(expected)) {
      this.#complete(false)
    }
    else this.#arm(this.#options.quietMs)
  }

  /** Streams a get's bytes to disk once they can no longer be the `File not found` answer. */
  #toFile(pending: Pending, chunk: Buffer): void {
    pending.chunks.push(chunk)
    pending.length += chunk.length
    const bytes = Buffer.concat(pending.chunks)
    pending.chunks = []
    pending.writing = pending.writing.then(async () => {
      if (this.pending !== pending) return // cancelled, or ended: nothing more is saved
      pending.download ??= await Download.open(this.#options.downloadDir, getTarget(pending.command)!, {}, {
        maxBytes: this.#options.maxDownloadBytes,
        progress: pending.hooks.progress,
      })
      if (this.pending !== pending) return void (await pending.download.discard())
      let flowing: boolean
      try {
        flowing = pending.download.write(bytes)
      } catch (error) {
        // Too large: the rest of it cannot be told apart from the next reply, so the connection ends too.
        return this.fail(error as SocklabError)
      }
      if (!flowing) {
        // Quiet while paused for the disk is not the end of the reply.
        clearTimeout(this.timer)
        this.socket.pause()
        await new Promise<void>((resolve) => pending.download!.onceDrained(resolve))
        this.socket.resume()
        this.#arm(this.#options.quietMs)
      }
    })
    pending.writing.catch(() => undefined)
  }

  #arm(ms: number): void {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => this.#complete(false), ms)
  }

  #complete(closed: boolean): void {
    if (closed) this.#endDiscarding()
    clearTimeout(this.timer)
    const pending = this.pending
    if (!pending) return
    if (pending.length === 0 && !closed) {
      this.settle(new SocklabError('SOCKLAB_REPLY_TIMEOUT', `no reply within ${this.#options.replyTimeoutMs} ms`))
      this.socket.destroy()
      return
    }
    const text = Buffer.concat(pending.chunks)
    if (pending.download || (pending.command.startsWith('get ') && text.length > 0 && !text.equals(NOT_FOUND))) {
      void this.#finishDownload(pending, text, closed)
      return
    }
    if (pending.command === 'exit' && closed) return this.settle({ kind: 'bye', reason: 'exit', message: 'connection closed' })
    if (text.equals(FULL) && closed) return this.settle(serverFull())
    if (pending.length === 0) return this.settle(new SocklabError('SOCKLAB_CONNECTION_LOST', this.closeReason))
    this.settle({ kind: 'text', text: text.toString('utf8') })
  }

  async #finishDownload(pending: Pending, rest: Buffer, closed: boolean): Promise<void> {
    try {
      if (rest.length > 0) this.#toFile(pending, rest)
      await pending.writing
      if (closed && pending.command !== 'exit') throw new SocklabError('SOCKLAB_TRANSFER_FAILED', 'connection closed during transfer')
      const saved = await pending.download!.finish()
      this.settle({ kind: 'saved', ...saved, verified: false })
    } catch (error) {
      this.settle(error instanceof SocklabError ? error : new SocklabError('SOCKLAB_TRANSFER_FAILED', String(error)))
    }
  }

}
