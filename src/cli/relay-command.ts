import { createInterface } from 'node:readline'
import type { CommandModule } from 'yargs'
import { SocklabError } from '../errors/socklab-error.js'
import { startRelay } from '../relay/fault-relay.js'
import { EXIT } from './exit-codes.js'
import { fail } from './fail.js'
import { parseHostPort } from './host-port.js'
import { finishOptions } from './yargs-options.js'

export const relayOptions = (env: NodeJS.ProcessEnv = process.env) =>
  finishOptions({
    to: { type: 'string', demandOption: true, describe: 'the server to relay to, as host:port' },
    host: { type: 'string', default: '0.0.0.0', describe: 'address to listen on' },
    port: { type: 'number', default: 12345, describe: 'port to listen on (0: any free port)' },
  }, process.argv, env)

/**
 * `socklab relay`: a TCP relay in front of a server whose connections can be reset on demand (a line
 * `reset` on standard input). It reports on standard output in JSON lines. The scenario runner puts one in
 * front of each client that a scenario's `network: reset` step names.
 */
export const relayCommand: CommandModule = {
  command: 'relay',
  describe: 'relay TCP connections to a server; a line "reset" on stdin resets every relayed connection',
  builder: (yargs) => yargs.options(relayOptions()),
  handler: async (argv) => {
    try {
      const to = parseTarget(String(argv.to))
      const relay = await startRelay({ host: String(argv.host), port: Number(argv.port), to })
      const emit = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`)
      emit({ type: 'listening', port: relay.port, to: `${to.host}:${to.port}` })
      // The relay outlives its input (it may run with stdin closed); only signals end it.
      const rl = createInterface({ input: process.stdin, terminal: false })
      rl.on('line', (line) => {
        const text = line.trim()
        if (text === '') return
        if (text === 'reset') emit({ type: 'reset', connections: relay.reset() })
        else emit({ type: 'error', message: `unknown control line ${JSON.stringify(text)} (expected: reset)` })
      })
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        process.once(signal, () => void relay.close().then(() => process.exit(EXIT.OK)))
      }
    } catch (error) {
      fail(error, 'socklab relay')
    }
  },
}

function parseTarget(text: string): { host: string; port: number } {
  const target = parseHostPort(text)
  if (!target) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `--to must be host:port, got ${text}`)
  return target
}
