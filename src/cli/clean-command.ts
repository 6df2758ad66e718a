import type { CommandModule } from 'yargs'
import { engineAnswers } from '../docker/docker-engine.js'
import { describeLeftover, sweepLeftovers } from '../ownership/leftovers.js'
import { EXIT } from './exit-codes.js'
import { fail } from './fail.js'
import { finishOptions } from './yargs-options.js'

export const cleanOptions = (env: NodeJS.ProcessEnv = process.env) =>
  finishOptions({
    all: { type: 'boolean', default: false, describe: 'remove everything socklab made, also what running processes own' },
  }, process.argv, env)

/** `socklab clean`: removes the containers, networks and temporary folders of socklab runs that are gone. */
export const cleanCommand: CommandModule = {
  command: 'clean',
  describe: 'remove what interrupted socklab runs left behind (containers, networks, temporary folders)',
  builder: (yargs) => yargs.options(cleanOptions()),
  handler: async (argv) => {
    try {
      const docker = await engineAnswers()
      if (!docker) process.stdout.write('No Docker engine answers: only temporary folders are looked at.\n')
      const removed = await sweepLeftovers({ docker, all: argv.all === true })
      for (const leftover of removed) process.stdout.write(`${leftover.error ? 'not removed' : 'removed'} ${describeLeftover(leftover)}\n`)
      const gone = removed.filter((l) => !l.error)
      const kinds = ['container', 'network', 'folder'].map((kind) => `${gone.filter((l) => l.kind === kind).length} ${kind}s`)
      process.stdout.write(`${gone.length === 0 ? 'Nothing to remove' : 'Removed'}: ${kinds.join(', ')}${argv.all === true ? '' : ' (left by processes that are gone)'}.\n`)
      process.exit(EXIT.OK)
    } catch (error) {
      fail(error, 'socklab clean')
    }
  },
}
