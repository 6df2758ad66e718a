import { spawn } from 'node:child_process'
import { connect } from 'node:net'
import { setTimeout as delay } from 'node:timers/promises'
import { EventStream } from '../events/event-stream.js'
import { JsonLineReader } from '../events/json-lines.js'
import { commandLine, type ServerSpec } from '../lab/server-spec.js'
import { stopper, type ServerProcess, type ServerProcessExit } from './server-process.js'
import { cleanEnv } from './socklab-process.js'
import { whenListening } from './port-listening.js'
import { startFailure } from './start-diagnosis.js'

const LISTEN_TIMEOUT_MS = 15_000

export interface CommandServerOptions {
  host: string
  port: number
  files: string
  /** The scenario's server settings (those the spec takes are passed on). */
  options: Record<string, unknown>
  /** A restarted server keeps one history of events. */
  events?: EventStream
}

/**
 * A server under test started from its spec's command, its console lines turned into events by the spec's
 * log adapter. Resolves once it listens: its `listening` line (when the adapter knows one), else the port
 * answering a connection.
 */
export async function startCommandServer(spec: ServerSpec, options: CommandServerOptions): Promise<ServerProcess> {
  const adapter = spec.adapter!
  const { argv, env } = commandLine(spec, options, options.options)
  const child = spawn(argv[0]!, argv.slice(1), { cwd: spec.dir, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
  const events = options.events ?? new EventStream()
  const listened = events.all('listening').length
  const output: string[] = []
  const reader = new JsonLineReader()
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8')
    output.push(text)
    events.add(adapter.lines(reader.push(text)))
  })
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')))
  const failedToStart = new Promise<never>((_, reject) => child.once('error', (error) => reject(error)))
  failedToStart.catch(() => undefined)
  const exited = new Promise<ServerProcessExit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })))

  const abort = new AbortController()
  void exited.then(({ code, signal }) => abort.abort(new Error(`it exited (${signal ?? `code ${code}`})`)))
  const timer = setTimeout(() => abort.abort(new Error(`it did not listen within ${LISTEN_TIMEOUT_MS} ms`)), LISTEN_TIMEOUT_MS)
  try {
    // Its listening line, or (where the kernel's tables can be read) its port listening: a server that says
    // it listens in words of its own is not waited on for the whole timeout.
    const ready = adapter.cannotSee('listening')
      ? portAnswers(options.host, options.port, abort.signal)
      : Promise.race([events.waitFor('listening', undefined, listened + 1, abort.signal), whenListening(options.port, abort.signal)])
    await Promise.race([ready, failedToStart])
  } catch (error) {
    child.kill('SIGKILL')
    throw startFailure({
      server: spec.name,
      why: (error as Error).message,
      ran: `${argv.join(' ')}${spec.dir ? ` (in ${spec.dir})` : ''}`,
      waited: `${adapter.cannotSee('listening') ? `port ${options.port} to answer` : `its listening line (${adapter.describe('listening')}) or port ${options.port} to listen`}, at most ${LISTEN_TIMEOUT_MS / 1000} s`,
      output: output.join(''),
      port: options.port,
    })
  } finally {
    clearTimeout(timer)
  }
  const stop = stopper(child, exited)
  return {
    child,
    pid: child.pid!,
    port: options.port,
    events,
    output: () => output.join(''),
    exited,
    stop,
    [Symbol.asyncDispose]: async () => void (await stop('SIGKILL')),
  }
}

/** Resolves once a connection to host:port succeeds (then closes it at once). */
export async function portAnswers(host: string, port: number, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port })
      socket.once('connect', () => (socket.destroy(), resolve(true)))
      socket.once('error', () => resolve(false))
    })
    if (ok) return
    await delay(50, undefined, { signal }).catch(() => undefined)
  }
  throw signal.reason
}
