import yargs from 'yargs'
import { hideBin } from 'yargs/helpers'
import { clientCommand } from './client-command.js'
import { EXIT } from './exit-codes.js'
import { serverCommand } from './server-command.js'

await yargs(hideBin(process.argv))
  .scriptName('socklab')
  .usage('$0 <command> [options]\n\nEvery option can also be set as SOCKLAB_<OPTION>, e.g. SOCKLAB_MAX_CLIENTS=5.')
  .env('SOCKLAB')
  .command(serverCommand)
  .command(clientCommand)
  .demandCommand(1, 'name a command: server or client')
  .strict()
  .fail((message, error, y) => {
    if (error) throw error
    process.stderr.write(`${y.help().toString()}\n\nsocklab: ${message}\n`)
    process.exit(EXIT.USAGE)
  })
  .help()
  .version(false)
  .parseAsync()
