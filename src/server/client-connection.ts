import { isUtf8 } from 'node:buffer'
import type { Socket } from 'node:net'
import type { DisconnectReason } from '../events/server-event.js'
import { FrameDecoder } from '../protocol/frame-decoder.js'
import type { ByeReason } from '../protocol/frame-payload.js'
import { CLIENT_FRAME_TYPES } from '../protocol/frame-type.js'
import { HELLO, classifyOpening } from '../protocol/handshake.js'
import { LineDecoder } from '../protocol/line-decoder.js'
import { WireError } from '../protocol/wire-error-code.js'
import type { ClientRecord } from './client-record.js'
import { messageOf, runCommand, type CommandScope } from './command-handlers.js'
import type { ConnectionContext } from './connection-context.js'
import { compatWriter, framedWriter } from './reply-writer.js'
import { socketFailure } from './socket-failure.js'

/**
 * Where a connection stands. `opening`: its first bytes have not yet chosen the mode. `open`: commands are
 * read and answered. `closing`: it is on its way out (goodbye said, slot freed), waiting for the socket to
 * close. `closed`: the socket is gone.
 */
export type ConnectionState = 'opening' | 'open' | 'closing' | 'closed'

interface QueuedCommand {
  text: string
  terminated: boolean
}

type Queued = QueuedCommand | WireError

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT'])

/**
 * One admitted client: its socket's events, named after them (`socketOnData`, `socketOnEnd`, …), feed the
 * protocol decoders; decoded commands wait in a queue and run one at a time, in order (the handlers are in
 * command-handlers.ts). Reading pauses while too many commands wait or the client does not read its
 * replies, and the command timer, which bounds a client that stops mid-command, runs only while the server
 * is reading: a server that is waiting on its client does not blame the client for the wait. Every way out
 * (exit, end of stream, reset, timeouts, errors, shutdown) frees the slot exactly once.
 */
export class ClientConnection {
  readonly record: ClientRecord
  readonly closed: Promise<void>
  readonly #socket: Socket
  readonly #ctx: ConnectionContext
  readonly #abort = new AbortController()
  #state: ConnectionState = 'opening'
  /** The first bytes, until they say which mode this client speaks. */
  #opening = Buffer.alloc(0)
  #decoder?: FrameDecoder | LineDecoder
  #scope?: CommandScope
  #queue: Queued[] = []
  #running = false
  /** A bare command (no newline) is whole once no byte has followed it for `compatFlushMs`. */
  #flushTimer?: NodeJS.Timeout
  /** A started command must be finished within `commandTimeoutMs` of reading time. */
  #commandTimer?: NodeJS.Timeout
  #sessionTimer?: NodeJS.Timeout
  #destroyTimer?: NodeJS.Timeout
  /** Disconnects a client silent for `idleTimeoutMs`; armed once, it looks at `#activeAt` when it fires. */
  #idleTimer?: NodeJS.Timeout
  /** When bytes last came in or went out (performance.now()). */
  #activeAt = performance.now()

  constructor(socket: Socket, record: ClientRecord, ctx: ConnectionContext) {
    this.record = record
    this.#socket = socket
    this.#ctx = ctx
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()))
    socket.setNoDelay(true)
    this.#armIdleTimer(ctx.options.idleTimeoutMs)
    socket.on('data', this.#socketOnData)
    socket.on('end', this.#socketOnEnd)
    socket.on('error', this.#socketOnError)
    socket.on('close', this.#socketOnClose)
    // In the original's bare framing every byte after a pause is a whole command, so a client trickling
    // bytes is never idle and never mid-command: only a cap on the session's length bounds it.
    const { maxSessionMs } = ctx.options
    if (maxSessionMs > 0) this.#sessionTimer = setTimeout(() => this.#finish('timeout', `connected for ${maxSessionMs} ms, the most allowed`), maxSessionMs)
  }

  get readyState(): ConnectionState {
    return this.#state
  }

  /** Server shutdown: framed clients are told why, then every socket is closed. */
  shutdown(): void {
    this.#finish('shutdown', 'server is shutting down')
  }

  destroy(): void {
    this.#socket.destroy()
  }

  get #ending(): boolean {
    return this.#state === 'closing' || this.#state === 'closed'
  }

  // --- socket events -------------------------------------------------------------------------------

  readonly #socketOnData = (chunk: Buffer): void => {
    this.#noteActivity()
    if (this.#ending) return
    if (this.#state === 'opening') {
      this.#opening = Buffer.concat([this.#opening, chunk])
      const kind = classifyOpening(this.#opening)
      if (kind === 'undecided') {
        this.#armFlushTimer()
        this.#updateCommandTimer()
        return
      }
      chunk = this.#selectMode(kind)
    }
    this.#decode(chunk)
  }

  readonly #socketOnEnd = (): void => {
    if (this.#ending) return
    if (this.#state === 'opening') this.#decode(this.#selectMode('compat'))
    if (this.#decoder instanceof LineDecoder) this.#enqueue(this.#decoder.flush())
    this.#clearReadTimers()
    this.#run()
  }

  readonly #socketOnError = (error: NodeJS.ErrnoException): void => {
    const reason: DisconnectReason = RESET_CODES.has(error.code ?? '') ? 'reset' : 'error'
    this.#state = 'closing'
    this.#release(reason, () => this.#ctx.log.emit('client_error', { ...this.#peer, code: error.code ?? 'ERROR', reason: socketFailure(error) }))
    this.#socket.destroy()
  }

  readonly #socketOnClose = (): void => {
    this.#state = 'closed'
    this.#abort.abort()
    this.#clearReadTimers()
    clearTimeout(this.#destroyTimer)
    clearTimeout(this.#sessionTimer)
    clearTimeout(this.#idleTimer)
    this.#release('eof')
  }

  // --- reading -------------------------------------------------------------------------------------

  get #peer() {
    return { client: this.record.name, address: this.record.address, port: this.record.port }
  }

  /** Fixes the mode from the opening bytes and returns the bytes still to decode. */
  #selectMode(kind: 'framed' | 'compat'): Buffer {
    const { options } = this.#ctx
    const opening = this.#opening
    this.#opening = Buffer.alloc(0)
    this.record.mode = kind
    this.#state = 'open'
    const framed = kind === 'framed'
    this.#decoder = framed
      ? new FrameDecoder({ accept: CLIENT_FRAME_TYPES, maxPayload: options.maxCommandLength, oversizeCode: 'COMMAND_TOO_LONG' })
      : new LineDecoder({ maxCommandLength: options.maxCommandLength })
    const writer = framed
      ? framedWriter(this.#socket, { protocol: 'socklab', version: 1, client: this.record.name, maxCommandLength: options.maxCommandLength }, this.#noteActivity)
      : compatWriter(this.#socket, this.#noteActivity)
    const connection = this
    this.#scope = {
      ctx: this.#ctx,
      record: this.record,
      writer,
      socket: this.#socket,
      signal: this.#abort.signal,
      get closing() {
        return connection.#ending
      },
      drained: () => this.#drained(),
      finish: (reason, message) => this.#finish(reason, message),
    }
    this.#ctx.log.emit('protocol_selected', { ...this.#peer, mode: kind })
    return framed ? opening.subarray(HELLO.length) : opening
  }

  #decode(chunk: Buffer): void {
    const decoder = this.#decoder!
    if (decoder instanceof FrameDecoder) {
      for (const item of decoder.push(chunk)) this.#enqueue([item instanceof WireError ? item : commandFromFrame(item.payload)])
    } else {
      this.#enqueue(decoder.push(chunk))
      if (decoder.pending > 0 && !decoder.usesNewlines) this.#armFlushTimer()
    }
    this.#updateCommandTimer()
    this.#run()
  }

  #enqueue(items: readonly Queued[]): void {
    if (items.length === 0) return
    this.#queue.push(...items)
    if (!this.#socket.isPaused() && this.#queue.length >= this.#ctx.options.maxQueuedCommands) {
      this.#socket.pause()
      this.#updateCommandTimer()
    }
  }

  #resumeIfRoom(): void {
    if (this.#socket.isPaused() && this.#queue.length < Math.ceil(this.#ctx.options.maxQueuedCommands / 2)) {
      this.#socket.resume()
      this.#updateCommandTimer()
    }
  }

  #armFlushTimer(): void {
    clearTimeout(this.#flushTimer)
    this.#flushTimer = setTimeout(() => {
      if (this.#ending) return
      if (this.#state === 'opening') this.#decode(this.#selectMode('compat'))
      if (this.#decoder instanceof LineDecoder) this.#enqueue(this.#decoder.flush())
      this.#updateCommandTimer()
      this.#run()
    }, this.#ctx.options.compatFlushMs)
  }

  /**
   * Runs the command timer while part of a command has been read and the server is reading; stops it
   * otherwise. Paused for a full queue (the server waits on its client), it stops, and starts afresh on
   * resuming: only the client's own slowness counts.
   */
  #updateCommandTimer(): void {
    const partial = this.#state === 'opening' ? this.#opening.length > 0 : (this.#decoder?.pending ?? 0) > 0
    const reading = !this.#ending && !this.#socket.isPaused()
    if (!partial || !reading) {
      clearTimeout(this.#commandTimer)
      this.#commandTimer = undefined
      return
    }
    this.#commandTimer ??= setTimeout(() => {
      this.#commandTimer = undefined
      const limit = this.#ctx.options.commandTimeoutMs
      this.#enqueue([new WireError('COMMAND_TIMEOUT', `command not completed within ${limit} ms`, true)])
      this.#run()
    }, this.#ctx.options.commandTimeoutMs)
  }

  /**
   * The idle clock. Not `socket.setTimeout()`, which re-arms a timer on every read and write: on the path
   * of every command, that cost about 1 µs per round trip. Reads and writes only note the time here.
   */
  #armIdleTimer(delay: number): void {
    this.#idleTimer = setTimeout(() => {
      const { idleTimeoutMs } = this.#ctx.options
      const left = idleTimeoutMs - (performance.now() - this.#activeAt)
      if (left > 0) return this.#armIdleTimer(left)
      // Timers run before the loop polls for I/O: after a stall of this process (a long hash, a pause for
      // garbage collection), bytes the client sent or took meanwhile are not yet seen. Look once more after
      // the poll, so that the server's own stall is never counted against the client.
      setImmediate(() => {
        if (this.#ending) return
        const after = idleTimeoutMs - (performance.now() - this.#activeAt)
        if (after > 0) return this.#armIdleTimer(after)
        this.#finish('timeout', `idle for ${idleTimeoutMs} ms`)
      }).unref()
    }, delay).unref()
  }

  /** Bytes came in or went out: the idle clock starts again. */
  readonly #noteActivity = (): void => {
    this.#activeAt = performance.now()
  }

  #clearReadTimers(): void {
    clearTimeout(this.#flushTimer)
    clearTimeout(this.#commandTimer)
    this.#commandTimer = undefined
  }

  // --- running commands ----------------------------------------------------------------------------

  /**
   * Runs queued commands one at a time, in order. Most (echo, status, exit) answer at once and run in this
   * loop without a promise; a command that waits for the disk (list, get) or a reply that filled the
   * socket's buffer hands the rest of the queue to `#runAfter`, which comes back here when it is done.
   */
  #run(): void {
    if (this.#running) return
    this.#running = true
    try {
      while (!this.#ending && this.#queue.length > 0) {
        const item = this.#queue.shift()!
        this.#resumeIfRoom()
        const outcome = item instanceof WireError ? this.#refuse(item) : this.#answer(item)
        if (typeof outcome !== 'boolean') return void this.#runAfter(outcome)
        if (!outcome && !this.#ending) return void this.#runAfter(this.#drained().then(() => true))
      }
      if (this.#socket.readableEnded && !this.#ending) this.#finish('eof', 'end of stream')
      this.#running = false
    } catch (error) {
      this.#running = false
      if (!this.#abort.signal.aborted) this.#fail(error)
    }
  }

  async #runAfter(outcome: Promise<boolean>): Promise<void> {
    try {
      const flowing = await outcome
      if (!flowing && !this.#ending) await this.#drained()
    } catch (error) {
      if (!this.#abort.signal.aborted) this.#fail(error)
    }
    this.#running = false
    this.#run()
  }

  #answer({ text, terminated }: QueuedCommand): boolean | Promise<boolean> {
    const scope = this.#scope!
    // An empty line from netcat is nothing to answer; an empty framed command is a client bug.
    if (text.length === 0) return scope.writer.mode === 'compat' || scope.writer.error('EMPTY_COMMAND', 'empty command', terminated)
    return runCommand(scope, text, terminated)
  }

  #drained(): Promise<unknown> {
    return new Promise<void>((resolve) => {
      const done = () => {
        this.#socket.off('drain', done).off('close', done)
        resolve()
      }
      this.#socket.on('drain', done).on('close', done)
    })
  }

  #refuse(error: WireError): boolean {
    const flowing = this.#scope?.writer.error(error.code, error.message, true) ?? true
    if (error.fatal) {
      this.#ctx.log.emit('client_error', { ...this.#peer, code: error.code, reason: error.message })
      this.#finish('error', error.message)
    }
    return flowing
  }

  #fail(error: unknown): void {
    this.#ctx.log.emit('client_error', { ...this.#peer, code: 'INTERNAL', reason: messageOf(error) })
    this.#finish('error', 'internal server error')
  }

  // --- closing -------------------------------------------------------------------------------------

  /** The one orderly way out: stop reading commands, say goodbye in framed mode, free the slot, end. */
  #finish(reason: DisconnectReason, message: string): void {
    if (this.#ending) return
    this.#state = 'closing'
    this.#queue = []
    this.#clearReadTimers()
    clearTimeout(this.#idleTimer)
    if (this.#scope && reason !== 'eof') this.#scope.writer.bye(reason as ByeReason, message)
    this.#release(reason)
    this.#socket.end()
    if (this.#socket.isPaused()) this.#socket.resume()
    // A client that stops reading must not keep the socket forever.
    this.#destroyTimer = setTimeout(() => this.#socket.destroy(), this.#ctx.options.shutdownGraceMs)
    this.#destroyTimer.unref()
  }

  /** Frees the slot and logs the disconnect, once; `before` logs what led to it. */
  #release(reason: DisconnectReason, before?: () => void): boolean {
    const { registry, log } = this.#ctx
    if (!registry.release(this.record, reason)) return false
    before?.()
    log.emit('client_disconnected', {
      ...this.#peer,
      reason,
      durationMs: Math.round((this.record.disconnectedAtMicros! - this.record.connectedAtMicros) / 1000),
      connected: registry.size,
    })
    return true
  }
}

function commandFromFrame(payload: Buffer): Queued {
  if (!isUtf8(payload)) return new WireError('INVALID_UTF8', 'command is not valid UTF-8')
  return { text: payload.toString('utf8'), terminated: true }
}
