import { mkdir, symlink, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { copyApp } from '../../lab/app-copy.js'
import { isSocklabError, SocklabError } from '../../errors/socklab-error.js'
import { EventStream } from '../../events/event-stream.js'
import { startServerProcess, type ServerProcess } from '../../process/server-process.js'
import type { Scenario } from '../scenario.js'
import { prepareServedFiles } from '../served-files.js'
import { ProcessClients } from './process-clients.js'
import type { ScenarioTarget, TargetRun } from './scenario-target.js'
import { serverFlags } from './server-flags.js'
import { SOCKLAB_SERVER, type ServerSpec } from '../../lab/server-spec.js'
import { startCommandServer } from '../../process/command-server.js'
import { freePort } from '../../process/free-port.js'
import { startTcpdump } from '../../capture/tcpdump-process.js'
import { processUsage } from '../../process/process-usage.js'

/** Every host a process on loopback: `socklab server` and one `socklab client --json` per client. */
export class LocalTarget implements ScenarioTarget {
  readonly name = 'local'
  readonly kind = 'local'

  constructor(private readonly entry: string) {}

  async prepare(scenario: Scenario, shippedFiles: string, spec: ServerSpec = SOCKLAB_SERVER): Promise<TargetRun> {
    const files = await prepareServedFiles(shippedFiles, scenario.server.files)
    // A server as written binds the port it hard-codes, from a copy of its folder serving the run's files,
    // one run at a time on that port; any other command server gets a free port (socklab's own picks one).
    const asWritten = spec.asWritten ? await asWrittenRun(spec, files.dir) : undefined
    if (asWritten) spec = asWritten.spec
    const fixedPort = asWritten ? asWritten.port : spec.kind === 'command' ? await freePort() : 0
    const events = new EventStream()
    /** Every server process of the run (one more after each restart), for the log kept after a failure. */
    const servers: ServerProcess[] = []
    let server: ServerProcess | undefined

    /** Starts the server (again on the same port after a stop) and waits for its next `listening`. */
    const startServer = async () => {
      try {
        server =
          spec.kind === 'command'
            ? await startCommandServer(spec, { host: '127.0.0.1', port: fixedPort, files: files.dir, options: scenario.server.options, events })
            : await startServerProcess({
                entry: this.entry,
                port: servers[0]?.port ?? 0,
                args: ['--files', files.dir, ...serverFlags(scenario.server.options)],
                events,
              })
        servers.push(server)
      } catch (error) {
        // A server that does not start says so with its own code: the suite stops trying it.
        if (isSocklabError(error, 'SOCKLAB_LISTEN_FAILED')) throw error
        throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', (error as Error).message)
      }
    }
    const stopServer = async () => {
      await server?.stop()
      server = undefined
    }

    try {
      await startServer()
    } catch (error) {
      await files[Symbol.asyncDispose]()
      await asWritten?.[Symbol.asyncDispose]()
      throw error
    }
    const port = servers[0]!.port
    const clients = new ProcessClients(this.entry, '127.0.0.1', port, join(files.dir, '..', 'downloads'))
    return {
      serverLabel: `${spec.name} at 127.0.0.1:${port}`,
      serverAddress: `127.0.0.1:${port}`,
      events,
      adapter: spec.adapter,
      files,
      startClient: (client, index) => clients.start(client, index),
      links: clients,
      serverControl: { stop: stopServer, start: startServer },
      serverUsage: async () => (server ? processUsage(server.pid) : undefined),
      // The loopback port of the server: every connection to it, through a relay or not (a relay's own port is another).
      startCapture: (file) => startTcpdump({ iface: 'lo', filter: `tcp port ${port}`, file, what: `loopback, tcp port ${port}` }),
      saveLogs: async (dir) => {
        await mkdir(dir, { recursive: true })
        await writeFile(join(dir, 'server.log'), servers.map((s) => s.output()).join(''))
        return [join(dir, 'server.log'), ...(await clients.saveLogs(dir))]
      },
      async [Symbol.asyncDispose]() {
        await clients.killAll()
        await stopServer()
        await files[Symbol.asyncDispose]()
        await asWritten?.[Symbol.asyncDispose]()
      },
    }
  }
}

/** The port of each server as written running locally: the next run on that port waits for the one before. */
const portTurns = new Map<number, Promise<void>>()

/**
 * A server as written, on this machine: `python3 -u server.py` with no arguments in a copy of its folder,
 * whose served folder is the run's files, on the port its source binds (taken in turn by this process's runs).
 */
async function asWrittenRun(spec: ServerSpec, filesDir: string): Promise<{ spec: ServerSpec; port: number } & AsyncDisposable> {
  const server = spec.asWritten!
  const before = portTurns.get(server.port) ?? Promise.resolve()
  let release!: () => void
  const mine = new Promise<void>((resolve) => (release = resolve))
  portTurns.set(server.port, before.then(() => mine))
  await before
  try {
    const { copy, served } = await copyApp(server)
    if (served) await symlink(filesDir, served, 'dir')
    return {
      spec: { ...spec, dir: copy.path, command: ['python3', '-u', join(copy.path, basename(server.source))] },
      port: server.port,
      async [Symbol.asyncDispose]() {
        await copy[Symbol.asyncDispose]()
        release()
      },
    }
  } catch (error) {
    release()
    throw error
  }
}
