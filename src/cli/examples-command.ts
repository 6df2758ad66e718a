import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { cp } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'
import type { CommandModule } from 'yargs'
import { SocklabError } from '../errors/socklab-error.js'
import { EXAMPLES } from '../package/package-files.js'
import { suggestion } from '../values/suggestion.js'
import { EXIT } from './exit-codes.js'
import { fail } from './fail.js'
import { finishOptions } from './yargs-options.js'

export const examplesOptions = (env: NodeJS.ProcessEnv = process.env) =>
  finishOptions({
    to: { type: 'string', describe: 'the folder to copy the example into (default: ./<name>); it must not exist yet' },
  }, process.argv, env)

/** The shipped examples (examples/<name>/), each with the first line of its README after the title. */
export function shippedExamples(): Array<{ name: string; about: string }> {
  return readdirSync(EXAMPLES, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => {
      const readme = join(EXAMPLES, entry.name, 'README.md')
      const lines = existsSync(readme) ? readFileSync(readme, 'utf8').split('\n') : []
      return { name: entry.name, about: lines.find((line) => line.startsWith('# '))?.slice(2) ?? '' }
    })
}

/** `socklab examples`: lists the shipped examples; `socklab examples <name>` copies one here to try and change. */
export const examplesCommand: CommandModule = {
  command: 'examples [name]',
  describe: 'list the shipped examples (Redis, a chat room, a Gradescope autograder), or copy one here',
  builder: (yargs) => yargs.positional('name', { type: 'string', describe: 'the example to copy' }).options(examplesOptions()),
  handler: async (argv) => {
    try {
      const examples = shippedExamples()
      const name = argv.name as string | undefined
      if (!name) {
        const width = Math.max(...examples.map((e) => e.name.length))
        for (const example of examples) process.stdout.write(`${example.name.padEnd(width)}  ${example.about}\n`)
        process.stdout.write('\nsocklab examples <name> copies one into ./<name>\n')
        process.exit(EXIT.OK)
      }
      if (!examples.some((e) => e.name === name)) {
        const near = suggestion(name, examples.map((e) => e.name))
        throw new SocklabError('SOCKLAB_CONFIG_INVALID', `no example ${name}: there are ${examples.map((e) => e.name).join(', ')}${near ? `; ${near}` : ''}`)
      }
      const to = resolve((argv.to as string | undefined) ?? name)
      if (existsSync(to)) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `${to} exists already: give --to a folder that does not, or remove it`)
      await cp(join(EXAMPLES, name), to, { recursive: true, errorOnExist: true, force: false })
      const shown = relative(process.cwd(), to) || '.'
      process.stdout.write(`copied the ${name} example to ${shown}/ (its README.md says how to run it)\n`)
      process.exit(EXIT.OK)
    } catch (error) {
      fail(error, 'socklab examples')
    }
  },
}
