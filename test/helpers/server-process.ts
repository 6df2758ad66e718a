import { readFile, readdir } from 'node:fs/promises'
import { startServerProcess as start, type EventStream, type ServerProcess as Started } from '../../src/index.js'
import { SOCKLAB_BIN } from './processes.js'

export interface ServerProcess extends Started {
  /** The server's JSON events (`events`, by the name the tests use). */
  log: EventStream
  /** Open descriptors and resident memory (MB) of the server process, from /proc. */
  fds(): Promise<number>
  rssMb(): Promise<number>
}

/**
 * `socklab server` as its own process (so its descriptors and memory can be read), JSON log parsed.
 * `nodeFlags` go to node itself, e.g. a capped heap, under which a leak ends the process.
 */
export async function startServerProcess(args: string[] = [], nodeFlags: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const server = await start({ entry: SOCKLAB_BIN, args, nodeFlags, env })
  return Object.assign(server, {
    log: server.events,
    fds: async () => (await readdir(`/proc/${server.pid}/fd`)).length,
    rssMb: async () => Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${server.pid}/status`, 'utf8'))![1]) / 1024,
  })
}
