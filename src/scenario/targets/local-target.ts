import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
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

/** Every host a process on loopback: `socklab server` and one `socklab client --json` per client. */
export class LocalTarget implements ScenarioTarget {
  readonly name = 'local'
  readonly kind = 'local'

  constructor(private readonly entry: string) {}

  async prepare(scenario: Scenario, shippedFiles: string, spec: ServerSpec = SOCKLAB_SERVER): Promise<TargetRun> {
    const files = await prepareServedFiles(shippedFiles, scenario.server.files)
    // A command server gets its port before it starts (socklab's own picks one and says which).
    const fixedPort = spec.kind === 'command' ? await freePort() : 0
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
      saveLogs: async (dir) => {
        await mkdir(dir, { recursive: true })
        await writeFile(join(dir, 'server.log'), servers.map((s) => s.output()).join(''))
        return [join(dir, 'server.log'), ...(await clients.saveLogs(dir))]
      },
      async [Symbol.asyncDispose]() {
        await clients.killAll()
        await stopServer()
        await files[Symbol.asyncDispose]()
      },
    }
  }
}
