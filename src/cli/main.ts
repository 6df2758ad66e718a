import yargs from 'yargs'
import { hideBin } from 'yargs/helpers'
import { CLIENT_OPTION_SPECS } from '../config/client-options.js'
import { unknownEnvNames } from '../config/env-options.js'
import { SERVER_OPTION_SPECS } from '../config/server-options.js'
import { clientCommand } from './client-command.js'
import { EXIT } from './exit-codes.js'
import { fail } from './fail.js'
import { probeCommand } from './probe-command.js'
import { relayCommand } from './relay-command.js'
import { scenarioCommand } from './scenario-command.js'
import { serverCommand } from './server-command.js'

for (const name of unknownEnvNames([SERVER_OPTION_SPECS, CLIENT_OPTION_SPECS])) {
  process.stderr.write(`socklab: ignoring ${name}: no option has that name\n`)
}

try {
  await yargs(hideBin(process.argv))
    .scriptName('socklab')
    .usage('$0 <command> [options]\n\nEvery option can also be set as SOCKLAB_<OPTION>, e.g. SOCKLAB_MAX_CLIENTS=5.')
    .command(serverCommand)
    .command(clientCommand)
    .command(probeCommand)
    .command(scenarioCommand)
    .command(relayCommand)
    .demandCommand(1, 'name a command: server, client, probe, scenario or relay')
    .strict()
    .fail((message, error, y) => {
      if (error) fail(error)
      process.stderr.write(`${y.help().toString()}\n\nsocklab: ${message}\n`)
      process.exit(EXIT.USAGE)
    })
    .help()
    .version(false)
    .parseAsync()
} catch (error) {
  fail(error)
}
