import { readFile, readdir } from 'node:fs/promises'
import { EventStream } from '../../events/event-stream.js'
import { SOCKLAB_BIN, spawnProcess, type Spawned } from './processes.js'

export interface ServerProcess extends AsyncDisposable {
  spawned: Spawned
  log: EventStream
  port: number
  /** Open descriptors and resident memory (MB) of the server process, from /proc. */
  fds(): Promise<number>
  rssMb(): Promise<number>
}

/**
 * `socklab server` as its own process (so its descriptors and memory can be read), JSON log parsed.
 * `nodeFlags` go to node itself, e.g. a capped heap, under which a leak ends the process.
 */
export async function startServerProcess(args: string[] = [], nodeFlags: string[] = []): Promise<ServerProcess> {
  const log = new EventStream()
  const spawned = spawnProcess('node', [...nodeFlags, SOCKLAB_BIN, 'server', '--host', '127.0.0.1', '--port', '0', '--log-format', 'json', ...args])
  spawned.child.stdout.on('data', (chunk: Buffer) => log.feed(chunk.toString('utf8')))
  const { port } = await log.waitFor('listening')
  const pid = spawned.child.pid!
  return {
    spawned,
    log,
    port,
    fds: async () => (await readdir(`/proc/${pid}/fd`)).length,
    rssMb: async () => Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))![1]) / 1024,
    [Symbol.asyncDispose]: () => spawned[Symbol.asyncDispose](),
  }
}
