import { connect } from 'node:net'
import type { CommandModule } from 'yargs'
import type { HealthReport } from '../server/health-endpoint.js'
import { EXIT } from './exit-codes.js'
import { finishOptions } from './yargs-options.js'

const PROBE_TIMEOUT_MS = 3_000

export const probeOptions = (env: NodeJS.ProcessEnv = process.env) =>
  finishOptions({ 'health-socket': { type: 'string', default: '', describe: "the server's --health-socket" } }, process.argv, env)

/** `socklab probe`: exit 0 when the server answers on its health socket (the image's HEALTHCHECK). */
export const probeCommand: CommandModule = {
  command: 'probe',
  describe: "ask a server's health socket whether it is up (exit 0) or not (exit 1); takes no client slot",
  builder: (yargs) => yargs.options(probeOptions()),
  handler: async (argv) => {
    const path = String(argv.healthSocket ?? '')
    if (!path) {
      process.stderr.write('socklab probe: no health socket given (--health-socket or SOCKLAB_HEALTH_SOCKET)\n')
      process.exit(EXIT.USAGE)
    }
    try {
      const report = await ask(path)
      process.stdout.write(`ok: port ${report.port}, ${report.clients}/${report.maxClients} clients\n`)
      process.exit(EXIT.OK)
    } catch (error) {
      process.stderr.write(`socklab probe: ${error instanceof Error ? error.message : String(error)}\n`)
      process.exit(1)
    }
  },
}

function ask(path: string): Promise<HealthReport> {
  return new Promise((resolve, reject) => {
    let text = ''
    const socket = connect(path)
    socket.setTimeout(PROBE_TIMEOUT_MS, () => socket.destroy(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)))
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')))
    socket.on('error', reject)
    socket.on('end', () => {
      try {
        const report = JSON.parse(text) as HealthReport
        if (report.status === 'ok') resolve(report)
        else reject(new Error(`unexpected answer ${text.trim()}`))
      } catch {
        reject(new Error(`unexpected answer ${JSON.stringify(text)}`))
      }
    })
  })
}
