import type { Socket } from 'node:net'
import { SocklabError } from '../errors/socklab-error.js'
import { encodeCommand } from '../protocol/frame-encoder.js'
import { FrameDecoder, type DecodedFrame } from '../protocol/frame-decoder.js'
import type { ByePayload, ErrorPayload, FileStartPayload, WelcomePayload } from '../protocol/frame-payload.js'
import { FrameType, SERVER_FRAME_TYPES, frameTypeName } from '../protocol/frame-type.js'
import { WireError } from '../protocol/wire-error-code.js'
import { Download } from './download.js'
import { cancelled, type CancelledTransfer, type Reply, type SendHooks, type Session, type Settleable } from './reply.js'
import { SocketSession } from './socket-session.js'

export interface FramedSessionOptions {
  downloadDir: string
  replyTimeoutMs: number
  maxReplyLength: number
}

interface Pending extends Settleable {
  hooks: SendHooks
  /** Set when the file cannot be saved: its remaining frames are skipped and FILE_END reports this. */
  failure?: SocklabError
}

/** Frames that end the server's answer to a command (a reply, a refusal, or the end of a file). */
const TERMINAL = new Set<number>([FrameType.REPLY, FrameType.ERROR, FrameType.FILE_END])

const STREAMED = new Set<number>([FrameType.FILE_DATA])
/** Bytes of received frames waiting to be handled before the socket stops reading. */
const QUEUE_HIGH_WATER = 8 * 1024 * 1024

/**
 * socklab's own mode: one request at a time, every reply framed. A `get` is announced by FILE_START (name,
 * size, SHA-256), its bytes stream into a Download with backpressure, and FILE_END lets it be verified
 * and renamed. An ERROR frame mid-transfer discards the partial file.
 */
export class FramedSession extends SocketSession<Pending> implements Session {
  readonly mode = 'framed'
  readonly clientName: string
  readonly #options: FramedSessionOptions
  readonly #decoder: FrameDecoder
  /** Frames are handled strictly in order; a file's frames wait while its temporary file is created. */
  #chain: Promise<void> = Promise.resolve()
  #queuedBytes = 0
  /** Frames handed to the chain and not yet handled. */
  #inFlight = 0
  #waitingForDisk = false
  #held = false
  /** Answers still to come for commands that were cancelled: read and dropped, frame by frame. */
  #orphans = 0
  #replyTimer?: NodeJS.Timeout

  constructor(socket: Socket, welcome: WelcomePayload, rest: Buffer, options: FramedSessionOptions) {
    super(socket)
    this.clientName = welcome.client
    this.#options = options
    this.#decoder = new FrameDecoder({ accept: SERVER_FRAME_TYPES, maxPayload: options.maxReplyLength, streamed: STREAMED })
    socket.on('data', (chunk: Buffer) => this.#onData(chunk))
    socket.on('close', () => this.#onClose())
    if (rest.length > 0) this.#onData(rest)
  }

  send(command: string, hooks: SendHooks = {}): Promise<Reply> {
    if (this.pending) return Promise.reject(new SocklabError('SOCKLAB_PROTOCOL_ERROR', 'a command is already in flight'))
    if (this.socket.destroyed) return Promise.reject(this.#lost())
    return new Promise<Reply>((resolve, reject) => {
      this.pending = { command, hooks, resolve, reject }
      this.#armTimer()
      this.socket.write(encodeCommand(command))
    })
  }

  /**
   * Stops reading until `release()`: the server's bytes back up in the network and it waits, mid-transfer.
   * Fault scenarios use it to act on a connection while a get is surely in flight. No reply timer runs.
   */
  hold(): void {
    this.#held = true
    this.#updateFlow()
  }

  release(): void {
    this.#held = false
    this.#updateFlow()
    if (this.pending) this.#armTimer()
  }

  cancel(): CancelledTransfer | undefined {
    const pending = this.pending
    if (!pending?.command.startsWith('get ')) return undefined
    const { download } = pending
    const transfer = { name: download?.name ?? pending.command.slice(4).trim(), bytes: download?.bytes ?? 0, size: download?.expected.size }
    // The server goes on sending the file (the protocol has no way to stop it): its frames are dropped.
    this.#orphans += 1
    this.settle(cancelled(transfer))
    return transfer
  }

  #onData(chunk: Buffer): void {
    if (this.pending) this.#armTimer()
    for (const item of this.#decoder.push(chunk)) {
      if (item instanceof WireError) {
        this.settle(new SocklabError('SOCKLAB_PROTOCOL_ERROR', `bad frame from the server: ${item.message}`))
        this.socket.destroy()
        return
      }
      // A text reply with nothing queued ahead of it needs no waiting: it is handled at once.
      if (this.#inFlight === 0 && this.#handleAtOnce(item)) continue
      this.#inFlight += 1
      this.#queuedBytes += item.payload.length
      this.#chain = this.#chain
        .then(() => this.#onFrame(item))
        .catch((error: unknown) => this.#onFrameFailure(error))
        .finally(() => {
          this.#inFlight -= 1
          this.#queuedBytes -= item.payload.length
          this.#updateFlow()
        })
    }
    this.#updateFlow()
  }

  /** Handles a text reply on the spot (the common case); anything else keeps its order on the chain. */
  #handleAtOnce(frame: DecodedFrame): boolean {
    if (frame.type !== FrameType.REPLY || this.#orphans > 0) return false
    this.settle({ kind: 'text', text: frame.payload.toString('utf8') })
    return true
  }

  /** Reading pauses while the disk is behind or too many received bytes wait to be handled. */
  #updateFlow(): void {
    const hold = this.#held || this.#waitingForDisk || this.#queuedBytes > QUEUE_HIGH_WATER
    if (hold && !this.socket.isPaused()) this.socket.pause()
    else if (!hold && this.socket.isPaused()) this.socket.resume()
  }

  async #onFrame(frame: DecodedFrame): Promise<void> {
    if (this.#orphans > 0 && frame.type !== FrameType.BYE) {
      // Part of the answer to a cancelled command: dropped, and its last frame ends the dropping.
      if (TERMINAL.has(frame.type)) this.#orphans -= 1
      return
    }
    const pending = this.pending
    switch (frame.type) {
      case FrameType.REPLY:
        return this.settle({ kind: 'text', text: frame.payload.toString('utf8') })
      case FrameType.ERROR: {
        const { code, message } = json<ErrorPayload>(frame)
        return this.settle({ kind: 'error', code, message })
      }
      case FrameType.FILE_START: {
        if (!pending || pending.download) throw new SocklabError('SOCKLAB_PROTOCOL_ERROR', 'unexpected FILE_START')
        const start = json<FileStartPayload>(frame)
        try {
          const download = await Download.open(this.#options.downloadDir, pending.command.slice(4).trim(), start, pending.hooks.progress)
          // Cancelled (or ended) while the file was being created: it goes at once.
          if (this.pending !== pending) await download.discard()
          else pending.download = download
        } catch (error) {
          pending.failure = error as SocklabError
        }
        return
      }
      case FrameType.FILE_DATA: {
        if (pending?.failure) return
        const download = this.#download(pending)
        if (!download.write(frame.payload)) {
          this.#waitingForDisk = true
          this.#updateFlow()
          await new Promise<void>((resolve) => download.onceDrained(resolve))
          this.#waitingForDisk = false
        }
        return
      }
      case FrameType.FILE_END: {
        if (pending?.failure) return this.settle(pending.failure)
        const download = this.#download(pending)
        try {
          const saved = await download.finish()
          return this.settle({ kind: 'saved', ...saved, verified: true })
        } catch (error) {
          return this.settle(error as SocklabError)
        }
      }
      case FrameType.BYE: {
        const { reason, message } = json<ByePayload>(frame)
        this.closeReason = reason === 'exit' ? 'exit' : `server closed the connection: ${message} (${reason})`
        if (pending?.command === 'exit') this.settle({ kind: 'bye', reason, message })
        return
      }
      default:
        throw new SocklabError('SOCKLAB_PROTOCOL_ERROR', `unexpected ${frameTypeName(frame.type)} frame`)
    }
  }

  #download(pending: Pending | undefined): Download {
    if (!pending?.download) throw new SocklabError('SOCKLAB_PROTOCOL_ERROR', 'file data without FILE_START')
    return pending.download
  }

  /** A frame that makes no sense here: the stream cannot be trusted any more. */
  async #onFrameFailure(error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error)
    this.settle(error instanceof SocklabError ? error : new SocklabError('SOCKLAB_PROTOCOL_ERROR', message, { cause: error }))
    this.socket.destroy()
  }

  #onClose(): void {
    clearTimeout(this.#replyTimer)
    const pending = this.pending
    if (!pending) return
    if (pending.command === 'exit') {
      this.settle({ kind: 'bye', reason: 'exit', message: 'connection closed' })
      return
    }
    // Behind any frames still being handled, so a transfer cut short is discarded, never half-saved.
    this.#chain = this.#chain.then(() => this.settle(this.#lost()))
  }

  #lost(): SocklabError {
    return new SocklabError('SOCKLAB_CONNECTION_LOST', this.closeReason)
  }

  /**
   * The reply timeout, counted from the last send or received byte. One timer is refreshed rather than a new
   * one made for every command and chunk (that is on the request path of every round trip); it is unref'd,
   * and when it fires with nothing in flight, or while held, it does nothing.
   */
  #armTimer(): void {
    if (this.#replyTimer) {
      this.#replyTimer.refresh()
      return
    }
    this.#replyTimer = setTimeout(() => this.#onReplyTimeout(), this.#options.replyTimeoutMs)
    this.#replyTimer.unref()
  }

  #onReplyTimeout(): void {
    if (!this.pending || this.#held) return
    this.closeReason = `no reply within ${this.#options.replyTimeoutMs} ms`
    this.settle(new SocklabError('SOCKLAB_REPLY_TIMEOUT', this.closeReason))
    this.socket.destroy()
  }
}

function json<T>(frame: DecodedFrame): T {
  try {
    return JSON.parse(frame.payload.toString('utf8')) as T
  } catch {
    throw new SocklabError('SOCKLAB_PROTOCOL_ERROR', `${frameTypeName(frame.type)} frame is not valid JSON`)
  }
}
