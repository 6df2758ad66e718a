import type { Socket } from 'node:net'
import type { DisconnectReason } from '../events/server-event.js'
import { parseCommand, type Command } from '../protocol/command.js'
import { echoReply, listReply } from '../protocol/original-text.js'
import { WireError } from '../protocol/wire-error-code.js'
import type { ClientRecord } from './client-record.js'
import type { ConnectionContext } from './connection-context.js'
import { sendFile } from './file-transfer.js'
import type { ReplyWriter } from './reply-writer.js'
import { statusText } from './status-text.js'

/** What a command handler may use of its connection. */
export interface CommandScope {
  readonly ctx: ConnectionContext
  readonly record: ClientRecord
  readonly writer: ReplyWriter
  readonly socket: Socket
  /** Aborted when the connection closes: a transfer in progress stops. */
  readonly signal: AbortSignal
  /** True once the connection is on its way out: nothing more is sent. */
  readonly closing: boolean
  /** Resolves once the socket has room again (or has closed). */
  drained(): Promise<unknown>
  /** The orderly way out (exit, a fatal error). */
  finish(reason: DisconnectReason, message: string): void
}

/** A handler answers one command; it returns (or resolves to) false when the reply filled the socket's buffer. */
type Handler<K extends Command['kind']> = (scope: CommandScope, command: Extract<Command, { kind: K }>, terminated: boolean) => boolean | Promise<boolean>

const peerOf = ({ record }: CommandScope) => ({ client: record.name, address: record.address, port: record.port })

const HANDLERS: { [K in Command['kind']]: Handler<K> } = {
  echo: (scope, { text }, terminated) => scope.writer.text(echoReply(text), terminated),
  exit: (scope) => {
    scope.finish('exit', 'goodbye')
    return true
  },
  status: ({ ctx, writer }, _, terminated) => writer.text(statusText(ctx.registry, writer.mode), terminated),
  list: async (scope, _, terminated) => {
    const { ctx, writer } = scope
    let names: string[]
    try {
      names = await ctx.store.list()
    } catch (error) {
      // The folder was deleted, unmounted or made unreadable: this answer fails, the session goes on.
      const reason = messageOf(error)
      ctx.log.emit('files_unavailable', { ...peerOf(scope), mode: writer.mode, reason })
      return writer.error('FILES_UNAVAILABLE', `the served folder cannot be read: ${reason}`, terminated)
    }
    return writer.text(listReply(names), terminated)
  },
  get: (scope, { name }, terminated) => get(scope, name, terminated),
}

/**
 * Answers one command. An echo is answered before its log line is written (the reply need not wait for the
 * log); every other command is logged first, so its log line comes before what it causes.
 */
export function runCommand(scope: CommandScope, text: string, terminated: boolean): boolean | Promise<boolean> {
  const command = parseCommand(text)
  if (command.kind === 'echo') {
    const flowing = HANDLERS.echo(scope, command, terminated)
    logCommand(scope, command.kind, text)
    return flowing
  }
  logCommand(scope, command.kind, text)
  return (HANDLERS[command.kind] as Handler<typeof command.kind>)(scope, command, terminated)
}

/** On the path of every command: a literal of fixed shape (no spread), the cheapest object to build and log. */
function logCommand({ ctx, record, writer }: CommandScope, kind: Command['kind'], text: string): void {
  ctx.log.emit('command', { client: record.name, address: record.address, port: record.port, mode: writer.mode, command: kind, text: preview(text) })
}

async function get(scope: CommandScope, name: string, terminated: boolean): Promise<boolean> {
  const { ctx, writer, socket } = scope
  const { store, log, options } = ctx
  const peer = peerOf(scope)
  const opened = await store.open(name)
  if (!opened.ok) {
    log.emit('file_refused', { ...peer, mode: writer.mode, file: name, code: opened.code, reason: opened.reason })
    return writer.error(opened.code, opened.code === 'FILE_NOT_FOUND' ? 'File not found' : `refused: ${opened.reason}`, terminated)
  }
  const { file } = opened
  const started = performance.now()
  let sent = 0
  try {
    const announced = writer.mode === 'framed' ? await store.sha256(file) : undefined
    if (scope.closing) return true
    log.emit('transfer_started', { ...peer, mode: writer.mode, file: name, size: file.size })
    if (announced !== undefined && !writer.fileStart({ name, size: file.size, sha256: announced })) await scope.drained()
    const result = await sendFile(socket, writer, file, {
      chunkSize: options.chunkSize,
      signal: scope.signal,
      hash: announced === undefined,
      progressIntervalMs: options.progressIntervalMs,
      onProgress: (bytes) => log.emit('transfer_progress', { ...peer, mode: writer.mode, file: name, bytes, size: file.size }),
    })
    sent = result.bytes
    const flowing = writer.fileEnd()
    log.emit('transfer_completed', {
      ...peer,
      mode: writer.mode,
      file: name,
      bytes: result.bytes,
      sha256: announced ?? result.sha256!,
      durationMs: Math.round(performance.now() - started),
    })
    return flowing
  } catch (error) {
    const wire = error instanceof WireError ? error : undefined
    const aborted = scope.signal.aborted
    const reason = aborted ? 'connection closed during transfer' : messageOf(error)
    log.emit('transfer_failed', { ...peer, mode: writer.mode, file: name, bytes: sent, code: wire?.code ?? 'READ_FAILED', reason })
    if (aborted) return true
    // Framed clients discard the partial file on an ERROR frame; compatible mode has no way to say so.
    if (writer.mode === 'framed') return writer.error('READ_FAILED', reason, terminated)
    scope.finish('error', reason)
    return true
  } finally {
    await file.handle.close().catch(() => undefined)
  }
}

function preview(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
