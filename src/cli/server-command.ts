import { existsSync } from 'node:fs'
import type { CommandModule } from 'yargs'
import { SERVER_DEFAULTS, SERVER_OPTION_SPECS, resolveServerOptions, type ServerOptions } from '../config/server-options.js'
import { SHIPPED_FILES } from '../package/package-files.js'
import { startServer } from '../server/server.js'
import { EXIT } from './exit-codes.js'
import { fail } from './fail.js'
import { finishOptions, pickOptions, yargsOptions } from './yargs-options.js'

export const serverOptions = (env: NodeJS.ProcessEnv = process.env) => finishOptions(yargsOptions(SERVER_OPTION_SPECS), process.argv, env)

export const serverCommand: CommandModule = {
  command: 'server',
  describe: 'run the file-sharing server',
  builder: (yargs) => yargs.options(serverOptions()),
  handler: async (argv) => {
    try {
      const server = await startServer(resolveServerOptions(withShippedFiles(pickOptions(SERVER_OPTION_SPECS, argv))))
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        process.once(signal, () => {
          void server.stop(signal).then(() => process.exit(EXIT.OK))
        })
      }
      // Started by another socklab process (a scenario run, a lab): it stops when that process is gone.
      if (process.env.SOCKLAB_EXIT_WITH_STDIN === '1') {
        process.stdin.once('end', () => void server.stop('parent-exit').then(() => process.exit(EXIT.OK)))
        process.stdin.resume()
      }
    } catch (error) {
      fail(error, 'socklab server')
    }
  },
}

/** Outside a folder with server_files/, the default serves the files that ship with socklab, and says so. */
function withShippedFiles(options: Partial<ServerOptions>): Partial<ServerOptions> {
  const files = options.files ?? SERVER_DEFAULTS.files
  if (files !== SERVER_DEFAULTS.files || existsSync(files)) return options
  process.stderr.write(`socklab server: no ${SERVER_DEFAULTS.files} here; serving the files that ship with socklab (${SHIPPED_FILES})\n`)
  return { ...options, files: SHIPPED_FILES }
}
