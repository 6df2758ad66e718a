import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { ownedTempDir } from '../ownership/owned-temp-dir.js'
import { SHIPPED_FILES } from '../package/package-files.js'
import { startServerProcess } from '../process/server-process.js'
import { spawnSocklab } from '../process/socklab-process.js'
import { DemoOutput } from './demo-output.js'
import { demoEvent, demoVerdict, type DemoEvent, type DemoVerdict } from './demo-verdict.js'
import { SOCKLAB_SERVER, type ServerSpec } from '../lab/server-spec.js'
import { startCommandServer } from '../process/command-server.js'
import { freePort } from '../process/free-port.js'

export interface DemoOptions {
  /** The longest an admitted client keeps its slot waiting for the fourth to be turned away. */
  holdMs: number
  /** Start the clients this far apart (0: all at once). */
  staggerMs: number
  server?: ServerSpec
  /** Aborted by an interrupt: the demo stops, and what it made is removed before it returns. */
  signal?: AbortSignal
}

/** The session each demo client runs, and the file through which the turned-away one releases the others. */
export const demoSession = (n: number): string[] => ['-c', `hello from client ${n}`, '-c', 'status', '-c', 'list', '-c', 'get socklab.png']

/**
 * The demo as local processes: a server (socklab's, or one under test such as the original) and four
 * clients on loopback. The admitted clients keep their slots until the fourth has been turned away (or
 * `holdMs` passed), however far apart they start, so exactly one is rejected, every time.
 */
export async function runLocalDemo(entry: string, options: DemoOptions): Promise<DemoVerdict> {
  const spec = options.server ?? SOCKLAB_SERVER
  const out = new DemoOutput()
  await using scratch = await ownedTempDir('demo')
  const rejectedFile = join(scratch.path, 'rejected')
  await using server =
    spec.kind === 'command'
      ? await startCommandServer(spec, { host: '127.0.0.1', port: await freePort(), files: SHIPPED_FILES, options: {} })
      : await startServerProcess({ entry, args: ['--files', SHIPPED_FILES] })
  const events: DemoEvent[] = []
  const show = (event: { msg: string }) => {
    out.line(0, 'server', event.msg)
    const admission = demoEvent(event)
    if (admission) events.push(admission)
  }
  for (const event of server.events.events) show(event)
  server.events.subscribe(show)
  const signal = options.signal ?? new AbortController().signal
  const client = async (n: number): Promise<{ label: string; code: number | null }> => {
    const downloads = join(scratch.path, `client${n}`)
    await mkdir(downloads)
    const child = spawnSocklab(entry, [
      'client', '--port', String(server.port), '--download-dir', downloads, '--no-progress',
      '--hold-ms', String(options.holdMs), '--hold-until-rejected', rejectedFile, ...demoSession(n),
    ])
    child.stdin?.end()
    // An interrupt ends the clients first; the server and the folder go when this function returns.
    const stop = () => child.kill('SIGTERM')
    signal.addEventListener('abort', stop, { once: true })
    child.once('close', () => signal.removeEventListener('abort', stop))
    void out.follow(n, `client${n}`, child.stdout!)
    void out.follow(n, `client${n}`, child.stderr!)
    return new Promise((resolve) => child.once('close', (code) => resolve({ label: `client${n}`, code })))
  }
  const running: Array<Promise<{ label: string; code: number | null }>> = []
  for (const n of [1, 2, 3, 4]) {
    if (n > 1 && options.staggerMs > 0) await delay(options.staggerMs, undefined, { signal })
    signal.throwIfAborted()
    running.push(client(n))
  }
  const clients = await Promise.all(running)
  signal.throwIfAborted()
  await server.stop()
  console.log('')
  console.log(`client exit codes: ${clients.map((c) => `${c.label} ${c.code}`).join(', ')} (0 = served, 3 = server full)`)
  return demoVerdict(clients, events)
}
