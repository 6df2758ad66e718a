import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startRelay, type StartedRelay } from '../../relay/link-relay.js'
import type { ScenarioClient } from '../scenario.js'
import { processAgent } from './process-agent.js'
import { socketAgent } from './socket-agent.js'
import { clientArgs } from './client-args.js'
import { inProcessLink, type LinkHandle } from './relay-link.js'
import type { ClientAgent, LinkControl } from './scenario-target.js'

/**
 * The client agents of a scenario run as local processes connecting to `host:port`, and their logs. A
 * client with `relay` connects through a relay of its own in this process: its link's conditions, resets
 * and milestones.
 */
export class ProcessClients implements LinkControl {
  readonly #started: Array<{ name: string; agent: ClientAgent }> = []
  readonly #relays = new Map<ClientAgent, StartedRelay>()

  constructor(
    private readonly entry: string,
    private readonly host: string,
    private readonly port: number,
    private readonly downloads: string,
  ) {}

  async start(client: ScenarioClient, index: number): Promise<ClientAgent> {
    const name = `${client.name}-${index}`
    const downloads = join(this.downloads, name)
    await mkdir(downloads, { recursive: true })
    const relay = client.relay ? await startRelay({ host: '127.0.0.1', port: 0, to: { host: this.host, port: this.port }, link: client.link }) : undefined
    const [host, port] = relay ? ['127.0.0.1', relay.port] : [this.host, this.port]
    // A text or byte client needs no process of its own here: a socket of this process is the same connection.
    const agent = client.protocol === 'socklab' ? processAgent(this.entry, [...clientArgs(client), '--host', host, '--port', String(port)], downloads) : socketAgent(client, host, port)
    this.#started.push({ name, agent })
    if (relay) this.#relays.set(agent, relay)
    return agent
  }

  of(agent: ClientAgent): LinkHandle {
    const relay = this.#relays.get(agent)
    if (!relay) throw new Error('this client does not connect through a relay')
    return inProcessLink(relay)
  }

  /** One transcript file per client connection (`client-<name>-<n>.log`). */
  async saveLogs(dir: string): Promise<string[]> {
    await mkdir(dir, { recursive: true })
    return Promise.all(
      this.#started.map(async ({ name, agent }) => {
        const path = join(dir, `client-${name}.log`)
        await writeFile(path, `${agent.channel.transcript.join('\n')}\n`)
        return path
      }),
    )
  }

  async killAll(): Promise<void> {
    await Promise.all(this.#started.map(({ agent }) => agent.kill()))
    await Promise.all([...this.#relays.values()].map((relay) => relay.close()))
  }
}
