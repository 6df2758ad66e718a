import type { ChildProcess } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { SocklabError } from '../../errors/socklab-error.js'
import { EventStream } from '../../events/event-stream.js'
import type { Scenario } from '../scenario.js'
import { prepareServedFiles } from '../served-files.js'
import { spawnSocklab } from './process-agent.js'
import { ProcessClients } from './process-clients.js'
import type { ScenarioTarget, TargetRun } from './scenario-target.js'
import { serverFlags } from './server-flags.js'

const LISTEN_TIMEOUT_MS = 15_000

/** Every host a process on loopback: `socklab server` and one `socklab client --json` per client. */
export class LocalTarget implements ScenarioTarget {
  readonly name = 'local'
  readonly kind = 'local'

  constructor(private readonly entry: string) {}

  async prepare(scenario: Scenario, shippedFiles: string): Promise<TargetRun> {
    const files = await prepareServedFiles(shippedFiles, scenario.server.files)
    const events = new EventStream()
    const serverOutput: string[] = []
    let server: { child: ChildProcess; exited: Promise<void> } | undefined
    let port = 0

    /** Starts the server (again on the same port after a stop) and waits for its next `listening`. */
    const startServer = async () => {
      const listened = events.all('listening').length
      const child = spawnSocklab(this.entry, [
        'server', '--host', '127.0.0.1', '--port', String(port), '--log-format', 'json', '--files', files.dir,
        ...serverFlags(scenario.server.options),
      ])
      child.stdout!.on('data', (chunk: Buffer) => {
        serverOutput.push(chunk.toString('utf8'))
        events.feed(chunk.toString('utf8'))
      })
      child.stderr!.on('data', (chunk: Buffer) => serverOutput.push(chunk.toString('utf8')))
      const exited = new Promise<void>((resolve) => child.once('close', () => resolve()))
      server = { child, exited }
      const abort = new AbortController()
      void exited.then(() => abort.abort(new Error(`the server exited: ${serverOutput.join('').trim().slice(-500)}`)))
      const timer = setTimeout(() => abort.abort(new Error(`the server did not listen within ${LISTEN_TIMEOUT_MS} ms`)), LISTEN_TIMEOUT_MS)
      try {
        port = (await events.waitFor('listening', undefined, listened + 1, abort.signal)).port
      } catch (error) {
        child.kill('SIGKILL')
        throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', (error as Error).message)
      } finally {
        clearTimeout(timer)
      }
    }
    const stopServer = async () => {
      if (!server) return
      server.child.kill('SIGTERM')
      await server.exited
      server = undefined
    }

    try {
      await startServer()
    } catch (error) {
      await files[Symbol.asyncDispose]()
      throw error
    }
    const clients = new ProcessClients(this.entry, '127.0.0.1', port, join(files.dir, '..', 'downloads'))
    return {
      serverLabel: `127.0.0.1:${port}`,
      events,
      files,
      startClient: (client, index) => clients.start(client, index),
      resets: clients,
      serverControl: { stop: stopServer, start: startServer },
      saveLogs: async (dir) => {
        await mkdir(dir, { recursive: true })
        await writeFile(join(dir, 'server.log'), serverOutput.join(''))
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
