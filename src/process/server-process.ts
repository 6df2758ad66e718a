import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, openSync, watch } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { SocklabError } from '../errors/socklab-error.js'
import { EventStream } from '../events/event-stream.js'
import { cleanEnv } from './socklab-process.js'

export interface ServerProcessOptions {
  /** The socklab CLI script (bin/socklab.js, or the bundle dist/socklab.js). */
  entry: string
  host?: string
  /** 0 (the default): any free port; `port` on the result says which. */
  port?: number
  /** More `socklab server` flags (not --host, --port or --log-format). */
  args?: readonly string[]
  /** Flags for node itself, e.g. a capped heap. */
  nodeFlags?: readonly string[]
  /** Added to the environment, which otherwise holds none of the caller's SOCKLAB_ variables. */
  env?: NodeJS.ProcessEnv
  listenTimeoutMs?: number
  /**
   * Standard output goes to this file rather than a pipe, as `server > file` would, and the events are read
   * back from it: a process that measures the server then never wakes up for its log lines.
   */
  logFile?: string
  /**
   * With `logFile`: false stops reading the file once the server listens (a benchmark that measures the
   * server must not spend its own time on the server's log). `events` then ends at `listening`.
   */
  follow?: boolean
  /**
   * Log the events into this stream rather than a new one: a server restarted on the same port keeps one
   * history, and `listening` is waited for past the ones already in it.
   */
  events?: EventStream
}

export interface ServerProcessExit {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface ServerProcess extends AsyncDisposable {
  readonly child: ChildProcess
  readonly pid: number
  readonly port: number
  /** The server's JSON events as they are logged. */
  readonly events: EventStream
  /** Everything it printed so far, both streams in arrival order (kept as a log after a failure). */
  output(): string
  readonly exited: Promise<ServerProcessExit>
  /** Sends `signal` (SIGTERM), then SIGKILL if it is still there after `killAfterMs`; resolves once it is gone. */
  stop(signal?: NodeJS.Signals, killAfterMs?: number): Promise<ServerProcessExit>
}

const LISTEN_TIMEOUT_MS = 15_000

/**
 * `socklab server` as a process of its own, logging JSON: resolves once it has logged `listening`, and fails
 * with SOCKLAB_LISTEN_FAILED (and the end of its output) when it exits or stays silent first. The one way
 * socklab, its tests and its bench start a server process.
 */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const args = [
    ...(options.nodeFlags ?? []),
    options.entry,
    'server',
    '--host', options.host ?? '127.0.0.1',
    '--port', String(options.port ?? 0),
    '--log-format', 'json',
    ...(options.args ?? []),
  ]
  const out = options.logFile ? openSync(options.logFile, 'w') : 'pipe'
  // Its standard input stays open while this process lives: when this process dies, even by SIGKILL, the
  // server sees it end and stops (SOCKLAB_EXIT_WITH_STDIN), so no server outlives what started it.
  const child = spawn(process.execPath, args, { env: cleanEnv({ ...options.env, SOCKLAB_EXIT_WITH_STDIN: '1' }), stdio: ['pipe', out, 'pipe'] })
  if (typeof out === 'number') closeSync(out)
  const events = options.events ?? new EventStream()
  const listened = events.all('listening').length
  const output: string[] = []
  const collect = (chunk: Buffer) => {
    const text = chunk.toString('utf8')
    output.push(text)
    events.feed(text)
  }
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')))
  const following = options.logFile ? followFile(options.logFile, collect) : (child.stdout!.on('data', collect), undefined)
  const exited = new Promise<ServerProcessExit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })))
  void exited.then(() => following?.close())

  const limit = options.listenTimeoutMs ?? LISTEN_TIMEOUT_MS
  const abort = new AbortController()
  void exited.then(({ code, signal }) => abort.abort(new Error(`it exited (${signal ?? `code ${code}`})`)))
  const timer = setTimeout(() => abort.abort(new Error(`it did not listen within ${limit} ms`)), limit)
  let port: number
  try {
    port = (await events.waitFor('listening', undefined, listened + 1, abort.signal)).port
  } catch (error) {
    child.kill('SIGKILL')
    await exited
    const tail = output.join('').trim().split('\n').slice(-5).join('\n')
    throw new SocklabError('SOCKLAB_LISTEN_FAILED', `the socklab server did not start: ${(error as Error).message}${tail ? `\n${tail}` : ''}`)
  } finally {
    clearTimeout(timer)
  }
  if (options.follow === false) following?.close()

  const stop = stopper(child, exited)
  return {
    child,
    pid: child.pid!,
    port,
    events,
    output: () => output.join(''),
    exited,
    stop,
    [Symbol.asyncDispose]: async () => void (await stop('SIGKILL')),
  }
}

/** `stop(signal)` for a server process: the signal (SIGTERM), then SIGKILL if it is still there after `killAfterMs`. */
export function stopper(child: ChildProcess, exited: Promise<ServerProcessExit>): ServerProcess['stop'] {
  return async (signal = 'SIGTERM', killAfterMs = 5_000) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs)
    try {
      return await exited
    } finally {
      clearTimeout(timer)
    }
  }
}

/** Reads a file as it grows, handing each new piece to `onData`, until closed. */
function followFile(path: string, onData: (chunk: Buffer) => void): { close(): void } {
  let handle: Promise<FileHandle> | undefined = open(path, 'r')
  let position = 0
  let reading = Promise.resolve()
  const read = () => {
    reading = reading.then(async () => {
      const file = await handle
      if (!file) return
      const buffer = Buffer.allocUnsafe(64 * 1024)
      for (;;) {
        const { bytesRead } = await file.read(buffer, 0, buffer.length, position)
        if (bytesRead === 0) return
        position += bytesRead
        onData(Buffer.from(buffer.subarray(0, bytesRead)))
      }
    }).catch(() => undefined)
  }
  const watcher = watch(path, read)
  read()
  return {
    close() {
      watcher.close()
      read() // what was written last
      void reading.then(async () => {
        const file = await handle
        handle = undefined
        await file?.close()
      })
    },
  }
}
