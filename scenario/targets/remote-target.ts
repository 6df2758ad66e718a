import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { mkdtemp, rm } from 'node:fs/promises'
import type { Scenario } from '../scenario.js'
import { processAgent } from './process-agent.js'
import type { ClientAgent, ScenarioTarget, TargetRun } from './scenario-target.js'

/**
 * A real server somewhere (e.g. on the LAN), reached by local client processes. Its log and files are out
 * of reach: steps that need them are reported as skipped, with the reason, never as passed.
 */
export class RemoteTarget implements ScenarioTarget {
  readonly name: string

  constructor(
    private readonly entry: string,
    private readonly host: string,
    private readonly port: number,
  ) {
    this.name = `${host}:${port}`
  }

  async prepare(_scenario: Scenario): Promise<TargetRun> {
    const root = await mkdtemp(join(tmpdir(), 'socklab-remote-'))
    const agents: Array<{ name: string; agent: ClientAgent }> = []
    return {
      serverLabel: this.name,
      events: undefined,
      files: undefined,
      startClient: async (client, index) => {
        const downloads = join(root, `${client.name}-${index}`)
        await mkdir(downloads, { recursive: true })
        const agent = processAgent(this.entry, ['--host', this.host, '--port', String(this.port), '--mode', client.mode, '--download-dir', downloads])
        agents.push({ name: `${client.name}-${index}`, agent })
        return agent
      },
      saveLogs: async (dir) => {
        await mkdir(dir, { recursive: true })
        const written: string[] = []
        for (const { name, agent } of agents) {
          const path = join(dir, `client-${name}.log`)
          await writeFile(path, `${agent.channel.transcript.join('\n')}\n`)
          written.push(path)
        }
        return written
      },
      async [Symbol.asyncDispose]() {
        await Promise.all(agents.map(({ agent }) => agent.kill()))
        await rm(root, { recursive: true, force: true })
      },
    }
  }
}
