import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { SocklabError } from '../../errors/socklab-error.js'
import { EventStream } from '../../events/event-stream.js'
import type { Scenario } from '../scenario.js'
import { prepareServedFiles } from '../served-files.js'
import { ProcessClients } from './process-clients.js'
import { spawnSocklab } from './process-agent.js'
import type { ScenarioTarget, TargetRun } from './scenario-target.js'
import { serverFlags } from './server-flags.js'

const LISTEN_TIMEOUT_MS = 15_000

/** Every host a process on loopback: `socklab server` and one `socklab client --json` per client. */
export class LocalTarget implements ScenarioTarget {
  readonly name = 'local'

  constructor(private readonly entry: string) {}

  async prepare(scenario: Scenario, shippedFiles: string): Promise<TargetRun> {
    const files = await prepareServedFiles(shippedFiles, scenario.server.files)
    const events = new EventStream()
    const serverOutput: string[] = []
    const server = spawnSocklab(this.entry, [
      'server', '--host', '127.0.0.1', '--port', '0', '--log-format', 'json', '--files', files.dir,
      ...serverFlags(scenario.server.options),
    ])
    server.stdout!.on('data', (chunk: Buffer) => {
      serverOutput.push(chunk.toString('utf8'))
      events.feed(chunk.toString('utf8'))
    })
    server.stderr!.on('data', (chunk: Buffer) => serverOutput.push(chunk.toString('utf8')))
    const serverExited = new Promise<void>((resolve) => server.once('close', () => resolve()))
    const abort = new AbortController()
    void serverExited.then(() => abort.abort(new Error(`the server exited: ${serverOutput.join('').trim().slice(-500)}`)))
    const timer = setTimeout(() => abort.abort(new Error(`the server did not listen within ${LISTEN_TIMEOUT_MS} ms`)), LISTEN_TIMEOUT_MS)
    let port: number
    try {
      port = (await events.waitFor('listening', undefined, 1, abort.signal)).port
    } catch (error) {
      server.kill('SIGKILL')
      await files[Symbol.asyncDispose]()
      throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', (error as Error).message)
    } finally {
      clearTimeout(timer)
    }
    const clients = new ProcessClients(this.entry, '127.0.0.1', port, join(files.dir, '..', 'downloads'))
    return {
      serverLabel: `127.0.0.1:${port}`,
      events,
      files,
      startClient: (client, index) => clients.start(client, index),
      saveLogs: async (dir) => {
        await mkdir(dir, { recursive: true })
        await writeFile(join(dir, 'server.log'), serverOutput.join(''))
        return [join(dir, 'server.log'), ...(await clients.saveLogs(dir))]
      },
      async [Symbol.asyncDispose]() {
        await clients.killAll()
        server.kill('SIGTERM')
        await serverExited
        await files[Symbol.asyncDispose]()
      },
    }
  }
}
