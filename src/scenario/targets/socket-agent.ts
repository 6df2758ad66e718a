import type { AgentInput } from '../../client/agent-protocol.js'
import { serveRaw } from '../../client/raw-agent.js'
import { resolveClientOptions } from '../../config/client-options.js'
import type { ScenarioClient } from '../scenario.js'
import { AgentChannel } from '../agent-channel.js'
import { RETRY_DELAY_MS } from './client-args.js'
import type { ClientAgent } from './scenario-target.js'

/**
 * A text or byte client (`protocol: text | bytes`) as a socket of this process, where clients share the host:
 * the same raw agent a client process or container runs (`socklab client --json --mode raw`), its input and
 * output passed as messages instead of JSON lines. A real TCP connection from 127.0.0.1, without a process
 * start per connection or two pipes per round trip. `kill` closes it as the kernel does for a killed process.
 */
export function socketAgent(client: ScenarioClient, host: string, port: number): ClientAgent {
  const channel = new AgentChannel()
  const inputs: Array<AgentInput | undefined> = []
  let waiting: ((input: AgentInput | undefined) => void) | undefined
  const give = (input: AgentInput | undefined) => {
    if (waiting) {
      const wake = waiting
      waiting = undefined
      wake(input)
    } else inputs.push(input)
  }
  const nextInput = () => new Promise<AgentInput | undefined>((resolve) => (inputs.length > 0 ? resolve(inputs.shift()) : (waiting = resolve)))
  const options = resolveClientOptions({ host, port, retry: client.retry, retryDelayMs: RETRY_DELAY_MS, ...(client.replyTimeoutMs ? { replyTimeoutMs: client.replyTimeoutMs } : {}) })
  let running = true
  const exited = serveRaw(options, nextInput, (message) => channel.deliver(message)).then(
    (outcome) => outcome.kind === 'done' ? 0 : 3,
    () => 1,
  ).finally(() => {
    running = false
    channel.end()
  })
  return {
    channel,
    exited,
    get running() {
      return running
    },
    write: (input) => give(input),
    hasDownload: async () => false,
    async kill() {
      give({ close: 'end' })
      await exited
    },
  }
}
