import type { CommandModule } from 'yargs'
import { SERVER_OPTION_SPECS, resolveServerOptions } from '../config/server-options.js'
import { startServer } from '../server/server.js'
import { EXIT } from './exit-codes.js'
import { fail } from './fail.js'
import { pickOptions, yargsOptions } from './yargs-options.js'

export const serverCommand: CommandModule = {
  command: 'server',
  describe: 'run the file-sharing server',
  builder: (yargs) => yargs.options(yargsOptions(SERVER_OPTION_SPECS)),
  handler: async (argv) => {
    try {
      const server = await startServer(resolveServerOptions(pickOptions(SERVER_OPTION_SPECS, argv)))
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        process.once(signal, () => {
          void server.stop(signal).then(() => process.exit(EXIT.OK))
        })
      }
    } catch (error) {
      fail(error, 'socklab server')
    }
  },
}
