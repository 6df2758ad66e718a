import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ScenarioClient } from '../scenario.js'
import { processAgent } from './process-agent.js'
import { clientArgs } from './client-args.js'
import type { ClientAgent } from './scenario-target.js'

/** The client agents of a scenario run as local processes connecting to `host:port`, and their logs. */
export class ProcessClients {
  readonly #started: Array<{ name: string; agent: ClientAgent }> = []

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
    const agent = processAgent(this.entry, [...clientArgs(client), '--host', this.host, '--port', String(this.port), '--download-dir', downloads])
    this.#started.push({ name, agent })
    return agent
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
  }
}
