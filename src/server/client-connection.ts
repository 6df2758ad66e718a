import { isUtf8 } from 'node:buffer'
import type { Socket } from 'node:net'
import type { DisconnectReason } from '../events/server-event.js'
import { parseCommand } from '../protocol/command.js'
import { FrameDecoder } from '../protocol/frame-decoder.js'
import type { ByeReason } from '../protocol/frame-payload.js'
import { CLIENT_FRAME_TYPES } from '../protocol/frame-type.js'
import { HELLO, classifyOpening } from '../protocol/handshake.js'
import { LineDecoder } from '../protocol/line-decoder.js'
import { echoReply, listReply } from '../protocol/original-text.js'
import { WireError } from '../protocol/wire-error-code.js'
import type { ClientRecord } from './client-record.js'
import type { ConnectionContext } from './connection-context.js'
import { sendFile } from './file-transfer.js'
import { compatWriter, framedWriter, type ReplyWriter } from './reply-writer.js'
import { statusText } from './status-text.js'
import { socketFailure } from './socket-failure.js'

interface QueuedCommand {
  text: string
  terminated: boolean
}

type Queued = QueuedCommand | WireError

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT'])

/**
 * One admitted client. Wires its socket's events to the protocol decoders and runs its commands one at a
 * time, in order. Reading pauses while too many commands wait or the client does not read its replies;
 * every way out (exit, end of stream, reset, timeouts, errors, shutdown) frees the slot exactly once.
 */
export class ClientConnection {
  readonly record: ClientRecord
  readonly closed: Promise<void>
  readonly #socket: Socket
  readonly #ctx: ConnectionContext
  readonly #abort = new AbortController()
  #opening = Buffer.alloc(0)
  #lines?: LineDecoder
  #frames?: FrameDecoder
  #writer?: ReplyWriter
  #queue: Queued[] = []
  #pumping = false
  #paused = false
  #inputEnded = false
  #lineClient = false
  #closing = false
  #flushTimer?: NodeJS.Timeout
  #commandTimer?: NodeJS.Timeout
  #destroyTimer?: NodeJS.Timeout
  #sessionTimer?: NodeJS.Timeout

  constructor(socket: Socket, record: ClientRecord, ctx: ConnectionContext) {
    this.record = record
    this.#socket = socket
    this.#ctx = ctx
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()))
    socket.setNoDelay(true)
    socket.setTimeout(ctx.options.idleTimeoutMs)
    socket.on('data', (chunk: Buffer) => this.#onData(chunk))
    socket.on('end', () => this.#onEnd())
    socket.on('error', (error: NodeJS.ErrnoException) => this.#onError(error))
    socket.on('timeout', () => this.#onTimeout())
    socket.on('close', () => this.#onClose())
    // In the original's bare framing every byte after a pause is a whole command, so a client trickling
    // bytes is never idle and never mid-command: only a cap on the session's length bounds it.
    const { maxSessionMs } = ctx.options
    if (maxSessionMs > 0) this.#sessionTimer = setTimeout(() => this.#finish('timeout', `connected for ${maxSessionMs} ms, the most allowed`), maxSessionMs)
  }

  /** Server shutdown: framed clients are told why, then every socket is closed. */
  shutdown(): void {
    this.#finish('shutdown', 'server is shutting down')
  }

  destroy(): void {
    this.#socket.destroy()
  }

  get #peer() {
    return { client: this.record.name, address: this.record.address, port: this.record.port }
  }

  // --- socket events -------------------------------------------------------------------------------

  #onData(chunk: Buffer): void {
    if (this.#closing) return
    if (!this.#writer) {
      this.#opening = Buffer.concat([this.#opening, chunk])
      const kind = classifyOpening(this.#opening)
      if (kind === 'undecided') {
        this.#armFlushTimer()
        this.#armCommandTimer(true)
        return
      }
      chunk = this.#selectMode(kind)
    }
    this.#decode(chunk)
  }

  #onEnd(): void {
    this.#inputEnded = true
    if (this.#closing) return
    if (!this.#writer) this.#decode(this.#selectMode('compat'))
    if (this.#lines) this.#enqueue(this.#lines.flush())
    this.#clearTimers()
    void this.#pump()
  }

  #onError(error: NodeJS.ErrnoException): void {
    const reason: DisconnectReason = RESET_CODES.has(error.code ?? '') ? 'reset' : 'error'
    this.#closing = true
    this.#release(reason, () =>
      this.#ctx.log.emit('client_error', { ...this.#peer, code: error.code ?? 'ERROR', reason: socketFailure(error) }),
    )
    this.#socket.destroy()
  }

  #onTimeout(): void {
    this.#finish('timeout', `idle for ${this.#ctx.options.idleTimeoutMs} ms`)
  }

  #onClose(): void {
    this.#abort.abort()
    this.#clearTimers()
    clearTimeout(this.#destroyTimer)
    clearTimeout(this.#sessionTimer)
    this.#release('eof')
  }

  // --- decoding ------------------------------------------------------------------------------------

  /** Fixes the mode from the opening bytes and returns the bytes still to decode. */
  #selectMode(kind: 'framed' | 'compat'): Buffer {
    const { options } = this.#ctx
    const opening = this.#opening
    this.#opening = Buffer.alloc(0)
    this.record.mode = kind
    if (kind === 'framed') {
      this.#frames = new FrameDecoder({
        accept: CLIENT_FRAME_TYPES,
        maxPayload: options.maxCommandLength,
        oversizeCode: 'COMMAND_TOO_LONG',
      })
      this.#writer = framedWriter(this.#socket, {
        protocol: 'socklab',
        version: 1,
        client: this.record.name,
        maxCommandLength: options.maxCommandLength,
      })
    } else {
      this.#lines = new LineDecoder({ maxCommandLength: options.maxCommandLength })
      this.#writer = compatWriter(this.#socket)
    }
    this.#ctx.log.emit('protocol_selected', { ...this.#peer, mode: kind })
    return kind === 'framed' ? opening.subarray(HELLO.length) : opening
  }

  #decode(chunk: Buffer): void {
    if (this.#frames) {
      for (const item of this.#frames.push(chunk)) {
        this.#enqueue([item instanceof WireError ? item : commandFromFrame(item.payload)])
      }
      this.#armCommandTimer(this.#frames.pending > 0)
    } else if (this.#lines) {
      const lines = this.#lines.push(chunk)
      // A client that ends its commands with newlines (netcat, telnet) is a line client from then on: its
      // unfinished line waits for the newline, under the command timeout, and is never taken as a bare
      // command. Only clients that never send a newline, like the original, keep the bare framing.
      if (lines.some((line) => !(line instanceof WireError) && line.terminated)) this.#lineClient = true
      this.#enqueue(lines)
      if (this.#lines.pending > 0 && !this.#lineClient) this.#armFlushTimer()
      this.#armCommandTimer(this.#lines.pending > 0)
    }
    void this.#pump()
  }

  #enqueue(items: readonly Queued[]): void {
    if (items.length === 0) return
    this.#queue.push(...items)
    if (!this.#paused && this.#queue.length >= this.#ctx.options.maxQueuedCommands) {
      this.#paused = true
      this.#socket.pause()
    }
  }

  /** A bare command (no newline) is whole once no byte has followed it for `compatFlushMs`. */
  #armFlushTimer(): void {
    clearTimeout(this.#flushTimer)
    this.#flushTimer = setTimeout(() => {
      if (this.#closing) return
      if (!this.#writer) this.#decode(this.#selectMode('compat'))
      if (this.#lines) this.#enqueue(this.#lines.flush())
      this.#armCommandTimer(false)
      void this.#pump()
    }, this.#ctx.options.compatFlushMs)
  }

  /** A started command or frame must be finished within `commandTimeoutMs` (slow senders hold no slot). */
  #armCommandTimer(partial: boolean): void {
    if (!partial) {
      clearTimeout(this.#commandTimer)
      this.#commandTimer = undefined
      return
    }
    this.#commandTimer ??= setTimeout(() => {
      const limit = this.#ctx.options.commandTimeoutMs
      this.#enqueue([new WireError('COMMAND_TIMEOUT', `command not completed within ${limit} ms`, true)])
      void this.#pump()
    }, this.#ctx.options.commandTimeoutMs)
  }

  #clearTimers(): void {
    clearTimeout(this.#flushTimer)
    clearTimeout(this.#commandTimer)
    this.#commandTimer = undefined
  }

  // --- running commands ----------------------------------------------------------------------------

  async #pump(): Promise<void> {
    if (this.#pumping) return
    this.#pumping = true
    try {
      while (!this.#closing && this.#queue.length > 0) {
        const item = this.#queue.shift()!
        this.#resumeIfRoom()
        // Most commands (echo, status, exit) answer at once: only list and get need to wait for the disk.
        const outcome = item instanceof WireError ? this.#refuse(item) : this.#run(item)
        const flowing = typeof outcome === 'boolean' ? outcome : await outcome
        if (!flowing && !this.#closing) await this.#drained()
      }
      if (this.#inputEnded && !this.#closing) this.#finish('eof', 'end of stream')
    } catch (error) {
      if (!this.#abort.signal.aborted) this.#fail(error)
    } finally {
      this.#pumping = false
    }
  }

  #resumeIfRoom(): void {
    if (this.#paused && this.#queue.length < Math.ceil(this.#ctx.options.maxQueuedCommands / 2)) {
      this.#paused = false
      this.#socket.resume()
    }
  }

  #drained(): Promise<unknown> {
    return new Promise<void>((resolve) => {
      const done = () => {
        this.#socket.off('drain', done)
        this.#socket.off('close', done)
        resolve()
      }
      this.#socket.on('drain', done)
      this.#socket.on('close', done)
    })
  }

  /** Runs one command; returns (or resolves to) false when the reply filled the socket's buffer. */
  #run({ text, terminated }: QueuedCommand): boolean | Promise<boolean> {
    const writer = this.#writer!
    if (text.length === 0) {
      // An empty line from netcat is nothing to answer; an empty framed command is a client bug.
      return writer.mode === 'compat' || writer.error('EMPTY_COMMAND', 'empty command', terminated)
    }
    const command = parseCommand(text)
    const logged = () => this.#ctx.log.emit('command', { ...this.#peer, mode: writer.mode, command: command.kind, text: preview(text) })
    // An echo is answered before its log line is written: the reply need not wait for the log's write.
    if (command.kind === 'echo') {
      const flowing = writer.text(echoReply(text), terminated)
      logged()
      return flowing
    }
    logged()
    switch (command.kind) {
      case 'exit':
        this.#finish('exit', 'goodbye')
        return true
      case 'status':
        return writer.text(statusText(this.#ctx.registry, writer.mode), terminated)
      case 'list':
        return this.#ctx.store.list().then((names) => writer.text(listReply(names), terminated))
      case 'get':
        return this.#get(command.name, terminated)
    }
  }

  async #get(name: string, terminated: boolean): Promise<boolean> {
    const { store, log, options } = this.#ctx
    const writer = this.#writer!
    const opened = await store.open(name)
    if (!opened.ok) {
      log.emit('file_refused', { ...this.#peer, mode: writer.mode, file: name, code: opened.code, reason: opened.reason })
      return writer.error(opened.code, opened.code === 'FILE_NOT_FOUND' ? 'File not found' : `refused: ${opened.reason}`, terminated)
    }
    const { file } = opened
    const started = performance.now()
    let sent = 0
    try {
      const announced = writer.mode === 'framed' ? await store.sha256(file) : undefined
      if (this.#closing) return true
      if (announced !== undefined && !writer.fileStart({ name, size: file.size, sha256: announced })) await this.#drained()
      const result = await sendFile(this.#socket, writer, file, {
        chunkSize: options.chunkSize,
        signal: this.#abort.signal,
        hash: announced === undefined,
      })
      sent = result.bytes
      const flowing = writer.fileEnd()
      log.emit('transfer_completed', {
        ...this.#peer,
        mode: writer.mode,
        file: name,
        bytes: result.bytes,
        sha256: announced ?? result.sha256!,
        durationMs: Math.round(performance.now() - started),
      })
      return flowing
    } catch (error) {
      const wire = error instanceof WireError ? error : undefined
      const reason = this.#abort.signal.aborted ? 'connection closed during transfer' : messageOf(error)
      log.emit('transfer_failed', { ...this.#peer, mode: writer.mode, file: name, bytes: sent, code: wire?.code ?? 'READ_FAILED', reason })
      if (this.#abort.signal.aborted) return true
      // Framed clients discard the partial file on an ERROR frame; compatible mode has no way to say so.
      if (writer.mode === 'framed') return writer.error('READ_FAILED', reason, terminated)
      this.#finish('error', reason)
      return true
    } finally {
      await file.handle.close().catch(() => undefined)
    }
  }

  #refuse(error: WireError): boolean {
    const flowing = this.#writer?.error(error.code, error.message, true) ?? true
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
    if (this.#closing) return
    this.#closing = true
    this.#queue = []
    this.#clearTimers()
    if (this.#writer && reason !== 'eof') this.#writer.bye(reason as ByeReason, message)
    this.#release(reason)
    this.#socket.end()
    if (this.#paused) this.#socket.resume()
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

function preview(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

