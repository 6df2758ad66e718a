import { ownedTempDir } from '../../ownership/owned-temp-dir.js'
import type { Scenario } from '../scenario.js'
import { ProcessClients } from './process-clients.js'
import { startTcpdump } from '../../capture/tcpdump-process.js'
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
    const downloads = await ownedTempDir('remote')
    const clients = new ProcessClients(this.entry, this.host, this.port, downloads.path)
    return {
      serverLabel: this.name,
      events: undefined,
      files: undefined,
      startClient: (client, index) => clients.start(client, index),
      links: clients,
      // This machine's side of every connection to the server (the loopback when it is this machine).
      startCapture: (file) => {
        const loopback = /^(127\.|localhost$|::1$)/.test(this.host)
        return startTcpdump({ iface: loopback ? 'lo' : 'any', filter: `tcp port ${this.port} and host ${this.host}`, file, what: `${loopback ? 'loopback' : 'every interface'}, to ${this.name}` })
      },
      saveLogs: (dir) => clients.saveLogs(dir),
      async [Symbol.asyncDispose]() {
        await clients.killAll()
        await downloads[Symbol.asyncDispose]()
      },
    }
  }
}
