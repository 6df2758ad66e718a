import yargs from 'yargs'
import { hideBin } from 'yargs/helpers'
import { VERSION } from '../package/package-files.js'
import { chaosCommand } from './chaos-command.js'
import { cleanCommand } from './clean-command.js'
import { clientCommand } from './client-command.js'
import { demoCommand } from './demo-command.js'
import { examplesCommand } from './examples-command.js'
import { gradeCommand } from './grade-command.js'
import { closest } from '../text/did-you-mean.js'
import { EXIT } from './exit-codes.js'
import { fail } from './fail.js'
import { imagesCommand } from './images-command.js'
import { dashboardCommand, labCommand } from './lab-command.js'
import { probeCommand } from './probe-command.js'
import { relayCommand } from './relay-command.js'
import { scenarioCommand } from './scenario-command.js'
import { serverCommand } from './server-command.js'
import { envVariable, type CommandOptions } from './yargs-options.js'
import { complete } from './completion.js'
import { OPTION_TABLES } from './option-tables.js'

const COMMANDS = [serverCommand, clientCommand, probeCommand, scenarioCommand, gradeCommand, chaosCommand, labCommand, dashboardCommand, relayCommand, imagesCommand, cleanCommand, demoCommand, examplesCommand]
const COMMAND_NAMES = ['server', 'client', 'probe', 'scenario', 'grade', 'lab', 'dashboard', 'relay', 'images', 'clean', 'demo', 'completion']

/** Every option of every command, for suggestions and for spotting SOCKLAB_ variables that name none. */
function allOptions(): CommandOptions {
  return Object.assign({}, ...OPTION_TABLES.map((table) => table.options({})))
}

// Variables read by docker-compose.yml, or reserved for scenario variables, not by an option.
const OTHER_VARIABLES = /^SOCKLAB_(VAR_.+|NODE_IMAGE|APP_SOURCE|SUBNET|SERVER_IP|HOLD_MS|ORIGINAL_IMAGE|PYTHON_IMAGE|LAB_DIR|EXIT_WITH_STDIN|WAIT_MS|SERVER_CONSTRAINT)$/

const known = new Set(Object.keys(allOptions()).map(envVariable))
for (const name of Object.keys(process.env).filter((key) => key.startsWith('SOCKLAB_') && !known.has(key) && !OTHER_VARIABLES.test(key))) {
  const near = closest(name, known)
  process.stderr.write(`socklab: ignoring ${name}: no option has that name${near ? ` (did you mean ${near}?)` : ''}\n`)
}

/** One line for what went wrong, a suggestion where a name was mistyped, and where to read more. */
function usageError(message: string): never {
  const words = hideBin(process.argv)
  const at = words.findIndex((word) => COMMAND_NAMES.includes(word))
  const sub = words[at] === 'scenario' && ['list', 'run'].includes(words[at + 1] ?? '') ? ` ${words[at + 1]}` : ''
  const command = at >= 0 ? `${words[at]}${sub}` : undefined
  let hint = ''
  const recommended = /^Did you mean (\S+)\?$/.exec(message)
  if (recommended) message = `Unknown command: ${words[0] ?? ''} (did you mean ${recommended[1]}?)`
  const unknownArgument = /^Unknown arguments?: (.+)$/.exec(message)
  if (unknownArgument) {
    const first = unknownArgument[1]!.split(', ')[0]!
    const near = closest(first.replace(/^-+/, ''), first.startsWith('-') || command ? Object.keys(allOptions()) : COMMAND_NAMES)
    if (near) hint = ` (did you mean ${first.startsWith('-') || command ? `--${near}` : near}?)`
    if (!command && !first.startsWith('-') && !near) hint = ` (commands: ${COMMAND_NAMES.join(', ')})`
  }
  process.stderr.write(`socklab: ${message}${hint}\nRun 'socklab ${command ? `${command} ` : ''}--help' for usage.\n`)
  process.exit(EXIT.USAGE)
}

try {
  await yargs(hideBin(process.argv))
    .scriptName('socklab')
    .usage('$0 <command> [options]\n\nEvery option can also be set as SOCKLAB_<OPTION>, e.g. SOCKLAB_MAX_CLIENTS=5.')
    .command(COMMANDS)
    .completion('completion', 'print a shell completion script (bash, zsh): socklab completion >> ~/.bashrc', complete as never)
    .demandCommand(1, `name a command: ${COMMAND_NAMES.join(', ')}`)
    .recommendCommands()
    .strict()
    .showHelpOnFail(false)
    .fail((message, error) => {
      // yargs' own errors (YError: a coerce refused a value, an option wants an argument) are usage errors.
      if (error && error.name !== 'YError') fail(error)
      usageError(message ?? error?.message ?? 'bad usage')
    })
    .help()
    .alias('help', 'h')
    .version(VERSION)
    .alias('version', 'v')
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .parseAsync()
} catch (error) {
  fail(error)
}
