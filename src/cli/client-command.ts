import type { CommandModule } from 'yargs'
import { progressBar } from '../client/progress-bar.js'
import { announceRejection, rejectionAfter } from '../client/rejection-signal.js'
import { runConsole } from '../client/console-loop.js'
import { runJsonAgent } from '../client/json-agent.js'
import { runRawConsole } from '../client/raw-console.js'
import { openSession } from '../client/open-session.js'
import { terminalText } from '../text/visible-text.js'
import { CLIENT_OPTION_SPECS, resolveClientOptions } from '../config/client-options.js'
import { SocklabError } from '../errors/socklab-error.js'
import { CLIENT_REPLY_PREFIX } from '../protocol/original-text.js'
import { EXIT, exitCodeFor } from './exit-codes.js'
import { fail } from './fail.js'
import { finishOptions, pickOptions, yargsOptions } from './yargs-options.js'

export const clientOptions = (env: NodeJS.ProcessEnv = process.env) =>
  finishOptions({
    ...yargsOptions(CLIENT_OPTION_SPECS),
    command: {
      alias: 'c',
      type: 'string',
      array: true,
      describe: 'run these commands instead of reading input (repeatable; exit is sent after them)',
    },
    json: {
      type: 'boolean',
      default: false,
      describe: 'be driven by a program: input lines are {"command": …} or {"close": "end"|"reset"}, output lines are JSON events',
    },
    standby: {
      type: 'boolean',
      default: false,
      implies: 'json',
      describe: 'with --json: start, say {"type":"standby"}, and connect only at the input line {"connect": true}',
    },
  }, process.argv, env)

export const clientCommand: CommandModule = {
  command: 'client',
  describe: 'connect to a server: interactive on a terminal, one command per line otherwise',
  builder: (yargs) => yargs.options(clientOptions()),
  handler: async (argv) => {
    try {
      const options = resolveClientOptions(pickOptions(CLIENT_OPTION_SPECS, argv))
      if (argv.json === true) {
        const outcome = await runJsonAgent(options, { input: process.stdin, output: process.stdout }, { standby: argv.standby === true })
        if (outcome.failedGets > 0) process.exit(EXIT.TRANSFER_FAILED)
        process.exit(outcome.kind === 'done' ? EXIT.OK : exitCodeFor(outcome.error.code))
      }
      if (options.mode === 'raw') {
        const how = await runRawConsole(options, { commands: argv.command as string[] | undefined, input: process.stdin, output: process.stdout, escape: process.stdout.isTTY === true }).catch((error: unknown) => {
          if (error instanceof SocklabError && error.code === 'SOCKLAB_CONNECT_FAILED') {
            process.stderr.write(`Could not connect: ${error.message}\n`)
            process.exit(EXIT.CONNECT_FAILED)
          }
          throw error
        })
        process.exit(how === 'reset' ? EXIT.CONNECTION_LOST : EXIT.OK)
      }
      const connectedAtMs = Date.now()
      const session = await openSession(options, {
        onRetry: (error) => process.stderr.write(`${error.message}; trying again in ${options.retryDelayMs} ms\n`),
        onWaiting: (error) => process.stderr.write(`${error.message}; waiting up to ${options.waitForServerMs} ms for the server\n`),
      }).catch(async (error: unknown) => {
        if (error instanceof SocklabError && error.code === 'SOCKLAB_SERVER_FULL') {
          process.stdout.write(`${CLIENT_REPLY_PREFIX}${error.message}\n`)
          if (options.holdUntilRejected) await announceRejection(options.holdUntilRejected)
          process.exit(EXIT.SERVER_FULL)
        }
        if (error instanceof SocklabError && error.code === 'SOCKLAB_CONNECT_FAILED') {
          process.stderr.write(`Could not connect: ${error.message}\n`)
          process.exit(EXIT.CONNECT_FAILED)
        }
        throw error
      })
      const outcome = await runConsole(session, {
        commands: argv.command as string[] | undefined,
        holdMs: options.holdMs,
        holdUntil: options.holdUntilRejected ? (signal) => rejectionAfter(options.holdUntilRejected, connectedAtMs, signal) : undefined,
        input: process.stdin,
        output: process.stdout,
        errors: process.stderr,
        interactive: process.stdin.isTTY === true,
        escape: process.stdout.isTTY === true,
        progress: options.progress && process.stderr.isTTY ? progressBar(process.stderr) : undefined,
      })
      if (outcome.kind === 'interrupted') process.exit(EXIT.INTERRUPTED)
      // A get that saved no file makes the exit code 6, even when the connection was lost after it.
      const transferExit = outcome.failedGets > 0 ? EXIT.TRANSFER_FAILED : EXIT.OK
      if (outcome.kind === 'lost') {
        const { code, message } = outcome.error
        const what = exitCodeFor(code) === EXIT.PROTOCOL ? 'Protocol error' : 'Connection lost'
        process.stderr.write(`${what}: ${process.stderr.isTTY ? terminalText(message) : message}\n`)
        process.exit(transferExit || exitCodeFor(code))
      }
      process.exit(transferExit)
    } catch (error) {
      fail(error, 'socklab client')
    }
  },
}
