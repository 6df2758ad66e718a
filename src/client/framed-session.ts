import type { Socket } from 'node:net'
import { SocklabError } from '../errors/socklab-error.js'
import { encodeCommand } from '../protocol/frame-encoder.js'
import { FrameDecoder, type DecodedFrame } from '../protocol/frame-decoder.js'
import type { ByePayload, ErrorPayload, FileStartPayload, WelcomePayload } from '../protocol/frame-payload.js'
import { FrameType, SERVER_FRAME_TYPES, frameTypeName } from '../protocol/frame-type.js'
import { WireError } from '../protocol/wire-error-code.js'
import { DownloadFile } from './download-file.js'
import type { Reply, SendHooks, Session, Settleable } from './reply.js'
import { SocketSession } from './socket-session.js'

export interface FramedSessionOptions {
  downloadDir: string
  replyTimeoutMs: number
  maxReplyLength: number
}

interface Pending extends Settleable {
  command: string
  hooks: SendHooks
  download?: DownloadFile
  /** Set when the file cannot be saved: its remaining frames are skipped and FILE_END reports this. */
  failure?: SocklabError
}

const STREAMED = new Set<number>([FrameType.FILE_DATA])
/** Bytes of received frames waiting to be handled before the socket stops reading. */
const QUEUE_HIGH_WATER = 8 * 1024 * 1024

/**
 * socklab's own mode: one request at a time, every reply framed. A `get` is announced by FILE_START (name,
 * size, SHA-256), its bytes stream into a DownloadFile with backpressure, and FILE_END lets it be verified
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
    if (frame.type !== FrameType.REPLY) return false
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
    const pending = this.pending
    switch (frame.type) {
      case FrameType.REPLY:
        return this.settle({ kind: 'text', text: frame.payload.toString('utf8') })
      case FrameType.ERROR: {
        const { code, message } = json<ErrorPayload>(frame)
        await pending?.download?.abort()
        pending?.hooks.progress?.stop()
        return this.settle({ kind: 'error', code, message })
      }
      case FrameType.FILE_START: {
        if (!pending || pending.download) throw new SocklabError('SOCKLAB_PROTOCOL_ERROR', 'unexpected FILE_START')
        const start = json<FileStartPayload>(frame)
        try {
          pending.download = await DownloadFile.create(this.#options.downloadDir, pending.command.slice(4).trim(), start)
          pending.hooks.progress?.start(start.name, start.size)
        } catch (error) {
          pending.failure = error as SocklabError
        }
        return
      }
      case FrameType.FILE_DATA: {
        if (pending?.failure) return
        const download = this.#download(pending)
        pending!.hooks.progress?.advance(frame.payload.length)
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
        pending!.hooks.progress?.stop()
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

  #download(pending: Pending | undefined): DownloadFile {
    if (!pending?.download) throw new SocklabError('SOCKLAB_PROTOCOL_ERROR', 'file data without FILE_START')
    return pending.download
  }

  /** A frame that makes no sense here: the stream cannot be trusted any more. */
  async #onFrameFailure(error: unknown): Promise<void> {
    const pending = this.pending
    await pending?.download?.abort()
    pending?.hooks.progress?.stop()
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
    this.#chain = this.#chain.then(async () => {
      await pending.download?.abort()
      pending.hooks.progress?.stop()
      this.settle(this.#lost())
    })
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
