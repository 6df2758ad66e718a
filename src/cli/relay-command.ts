import { createInterface } from 'node:readline'
import type { CommandModule } from 'yargs'
import { SocklabError } from '../errors/socklab-error.js'
import { startRelay } from '../relay/link-relay.js'
import { describeLink, NO_CONDITIONS, parseLinkText } from '../relay/link-spec.js'
import { controlLine, type RelayOutput } from '../relay/relay-control.js'
import { EXIT } from './exit-codes.js'
import { fail } from './fail.js'
import { parseHostPort } from './host-port.js'
import { finishOptions } from './yargs-options.js'

export const relayOptions = (env: NodeJS.ProcessEnv = process.env) =>
  finishOptions({
    to: { type: 'string', demandOption: true, describe: 'the server to relay to, as host:port' },
    host: { type: 'string', default: '0.0.0.0', describe: 'address to listen on' },
    port: { type: 'number', default: 12345, describe: 'port to listen on (0: any free port)' },
    link: {
      type: 'string',
      describe: 'link conditions every connection starts with, e.g. "{ latency: 100ms, bandwidth: 1MB/s, down: { slicer: { size: 100 } } }"',
    },
  }, process.argv, env)

/**
 * `socklab relay`: a TCP relay in front of any server, with link conditions (latency, bandwidth, slicing,
 * a black hole, a data limit, a slow close) set at start (`--link`) or changed on its standard input (JSON
 * control lines, relay-control.ts), and connections reset on demand. It reports on standard output in JSON
 * lines. The scenario runner puts one in front of each client that has link conditions or is reset.
 */
export const relayCommand: CommandModule = {
  command: 'relay',
  describe: 'relay TCP connections to a server through link conditions, controlled by JSON lines on stdin',
  builder: (yargs) => yargs.options(relayOptions()),
  handler: async (argv) => {
    try {
      const to = parseTarget(String(argv.to))
      const link = argv.link === undefined ? NO_CONDITIONS : parseLinkText(String(argv.link), '--link').link
      const relay = await startRelay({ host: String(argv.host), port: Number(argv.port), to, link })
      const emit = (message: RelayOutput) => process.stdout.write(`${JSON.stringify(message)}\n`)
      emit({ type: 'listening', port: relay.port, to: `${to.host}:${to.port}`, link: describeLink(link) })
      // The relay outlives its input (it may run with stdin closed); only signals end it.
      const rl = createInterface({ input: process.stdin, terminal: false })
      rl.on('line', (line) => controlLine(line, relay, emit))
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
