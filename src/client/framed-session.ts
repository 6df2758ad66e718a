import type { Socket } from 'node:net'
import { SocklabError } from '../errors/socklab-error.js'
import { encodeCommand } from '../protocol/frame-encoder.js'
import { FrameDecoder, type DecodedFrame } from '../protocol/frame-decoder.js'
import type { WelcomePayload } from '../protocol/frame-payload.js'
import { FrameType, SERVER_FRAME_TYPES, frameTypeName } from '../protocol/frame-type.js'
import { WireError } from '../protocol/wire-error-code.js'
import { Download } from './download.js'
import { parseBye, parseError, parseFileStart, protocolError } from './server-payloads.js'
import { cancelled, getTarget, type CancelledTransfer, type Reply, type SendHooks, type Session, type Settleable } from './reply.js'
import { SocketSession } from './socket-session.js'

export interface FramedSessionOptions {
  downloadDir: string
  replyTimeoutMs: number
  maxReplyLength: number
  maxDownloadBytes: number
}

/**
 * Where the answer to a command stands: `awaiting` its first frame (any answer may come); `receiving` a file
 * (FILE_START came: only its frames, or an ERROR, may follow; its Download is `pending.download`); or
 * `skipping` a file that cannot be saved, whose frames are read and dropped until FILE_END reports `failure`.
 */
type Answer = { phase: 'awaiting' } | { phase: 'receiving' } | { phase: 'skipping'; failure: SocklabError }

interface Pending extends Settleable {
  hooks: SendHooks
  answer: Answer
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
  #timerArmed = false
  /** When the last command went out or the last bytes came in (performance.now()). */
  #heardAt = 0

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
      this.pending = { command, hooks, answer: { phase: 'awaiting' }, resolve, reject }
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
    const requested = pending && getTarget(pending.command)
    if (requested === undefined) return undefined
    const { download } = pending!
    const transfer = { name: download?.name ?? requested, bytes: download?.bytes ?? 0, size: download?.expected.size }
    // The server goes on sending the file (the protocol has no way to stop it): its frames are dropped.
    this.#orphans += 1
    this.settle(cancelled(transfer))
    return transfer
  }

  #onData(chunk: Buffer): void {
    if (this.pending) this.#armTimer()
    for (const item of this.#decoder.push(chunk)) {
      if (item instanceof WireError) return this.fail(protocolError(`bad frame from the server: ${item.message}`))
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
    if (frame.type !== FrameType.REPLY || this.#orphans > 0 || this.pending?.answer.phase !== 'awaiting') return false
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
    if (frame.type === FrameType.BYE) return this.#onBye(frame)
    const pending = this.pending
    if (!pending) throw protocolError(`unexpected ${frameTypeName(frame.type)} frame: no command is waiting for an answer`)
    switch (frame.type) {
      case FrameType.REPLY:
        if (pending.answer.phase !== 'awaiting') throw protocolError('a REPLY frame in the middle of a file')
        return this.settle({ kind: 'text', text: frame.payload.toString('utf8') })
      case FrameType.ERROR:
        // A refusal, or a transfer the server could not finish (READ_FAILED): the partial file goes.
        return this.settle({ kind: 'error', ...parseError(frame.payload) })
      case FrameType.FILE_START:
        return this.#onFileStart(pending, frame)
      case FrameType.FILE_DATA: {
        const { answer, download } = pending
        if (answer.phase === 'awaiting') throw protocolError('file data without FILE_START')
        if (answer.phase === 'skipping' || !download) return // a file that cannot be saved: skipped to its end
        // Throws at the first byte beyond the announced size: nothing more is written.
        if (!download.write(frame.payload)) {
          this.#waitingForDisk = true
          this.#updateFlow()
          await new Promise<void>((resolve) => download.onceDrained(resolve))
          this.#waitingForDisk = false
        }
        return
      }
      case FrameType.FILE_END: {
        const { answer, download } = pending
        if (answer.phase === 'awaiting') throw protocolError('FILE_END without FILE_START')
        if (answer.phase === 'skipping') return this.settle(answer.failure)
        if (!download) throw protocolError('FILE_END before the file could be opened')
        try {
          const saved = await download.finish()
          return this.settle({ kind: 'saved', ...saved, verified: true })
        } catch (error) {
          return this.settle(error as SocklabError)
        }
      }
      default:
        throw protocolError(`unexpected ${frameTypeName(frame.type)} frame`)
    }
  }

  /** A file starts: only in answer to `get`, once; saved only if it announces a size and SHA-256 to check. */
  async #onFileStart(pending: Pending, frame: DecodedFrame): Promise<void> {
    const requested = getTarget(pending.command)
    if (requested === undefined) throw protocolError(`a file in answer to ${JSON.stringify(pending.command.slice(0, 40))}: files come only in answer to get`)
    if (pending.answer.phase !== 'awaiting') throw protocolError('a second FILE_START in one answer')
    pending.answer = { phase: 'receiving' }
    const announced = parseFileStart(frame.payload)
    if ('unverifiable' in announced) {
      const failure = new SocklabError('SOCKLAB_TRANSFER_FAILED', `${requested}: not saved, it cannot be verified: ${announced.unverifiable}`)
      pending.answer = { phase: 'skipping', failure }
      return
    }
    try {
      const download = await Download.open(this.#options.downloadDir, requested, announced, {
        maxBytes: this.#options.maxDownloadBytes,
        progress: pending.hooks.progress,
      })
      // Cancelled (or ended) while the file was being created: it goes at once.
      if (this.pending !== pending) await download.discard()
      else pending.download = download
    } catch (error) {
      pending.answer = { phase: 'skipping', failure: error as SocklabError }
    }
  }

  #onBye(frame: DecodedFrame): void {
    const { reason, message } = parseBye(frame.payload)
    this.closeReason = reason === 'exit' ? 'exit' : `server closed the connection: ${message} (${reason})`
    if (this.pending?.command === 'exit') this.settle({ kind: 'bye', reason, message })
  }

  /** A frame that makes no sense here: the stream cannot be trusted any more. */
  #onFrameFailure(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error)
    this.fail(error instanceof SocklabError ? error : new SocklabError('SOCKLAB_PROTOCOL_ERROR', message, { cause: error }))
  }

  #onClose(): void {
    clearTimeout(this.#replyTimer)
    this.#timerArmed = false
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
    return this.failure ?? new SocklabError('SOCKLAB_CONNECTION_LOST', this.closeReason)
  }

  /**
   * The reply timeout, counted from the last send or received byte. Sending and receiving only note the
   * time (they are on the path of every round trip); the one timer, when it fires, looks at how long the
   * server has been quiet and waits out the rest. It is unref'd, and with nothing in flight, or while
   * held, it lapses until the next send or release.
   */
  #armTimer(): void {
    this.#heardAt = performance.now()
    if (this.#timerArmed) return
    this.#timerArmed = true
    this.#replyTimer = setTimeout(() => this.#onTimer(), this.#options.replyTimeoutMs)
    this.#replyTimer.unref()
  }

  #onTimer(): void {
    this.#timerArmed = false
    if (!this.pending || this.#held) return
    const left = this.#options.replyTimeoutMs - (performance.now() - this.#heardAt)
    if (left <= 0) return this.#onReplyTimeout()
    this.#timerArmed = true
    this.#replyTimer = setTimeout(() => this.#onTimer(), left)
    this.#replyTimer.unref()
  }

  #onReplyTimeout(): void {
    this.closeReason = `no reply within ${this.#options.replyTimeoutMs} ms`
    this.settle(new SocklabError('SOCKLAB_REPLY_TIMEOUT', this.closeReason))
    this.socket.destroy()
  }
}
