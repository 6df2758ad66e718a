import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Scenario } from '../scenario.js'
import { ProcessClients } from './process-clients.js'
import type { ScenarioTarget, TargetRun } from './scenario-target.js'

/**
 * A real server somewhere (e.g. on the LAN), reached by local client processes. Its log and files are out
 * of reach: steps that need them are reported as skipped, with the reason, never as passed.
 */
export class RemoteTarget implements ScenarioTarget {
  readonly name: string
  readonly kind = 'remote'

  constructor(
    private readonly entry: string,
    private readonly host: string,
    private readonly port: number,
  ) {
    this.name = `${host}:${port}`
  }

  async prepare(_scenario: Scenario): Promise<TargetRun> {
    const downloads = await mkdtemp(join(tmpdir(), 'socklab-remote-'))
    const clients = new ProcessClients(this.entry, this.host, this.port, downloads)
    return {
      serverLabel: this.name,
      events: undefined,
      files: undefined,
      startClient: (client, index) => clients.start(client, index),
      resets: clients,
      saveLogs: (dir) => clients.saveLogs(dir),
      async [Symbol.asyncDispose]() {
        await clients.killAll()
        await rm(downloads, { recursive: true, force: true })
      },
    }
  }
}
