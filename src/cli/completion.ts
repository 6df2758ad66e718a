import { existsSync, readdirSync } from 'node:fs'
import { SHIPPED_SCENARIOS } from '../package/package-files.js'

type Filter = (onCompleted?: (error: Error | null, completions: string[] | undefined) => void) => void

/** Values for options whose values are not a fixed set yargs knows (`--target` also takes host:port). */
const VALUES: Record<string, (argv: Record<string, unknown>) => string[]> = {
  target: () => ['docker', 'local', '127.0.0.1:12345'],
  server: () => ['socklab', 'original'],
}

/** The scenario names of --dir, ./scenarios, or the shipped ones (the files' names, without reading them). */
function scenarioNames(argv: Record<string, unknown>): string[] {
  const dir = typeof argv.dir === 'string' && argv.dir ? argv.dir : existsSync('scenarios') ? 'scenarios' : SHIPPED_SCENARIOS
  try {
    return readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).map((f) => f.replace(/\.ya?ml$/, ''))
  } catch {
    return []
  }
}

/**
 * Shell completion beyond yargs' own (commands, options, choices): the values of --target and --server, and
 * scenario names after `scenario run`.
 */
export function complete(current: string, argv: Record<string, unknown>, filter: Filter, done: (completions: string[]) => void): void {
  for (const [option, values] of Object.entries(VALUES)) {
    const given = argv[option]
    const last = Array.isArray(given) ? given[given.length - 1] : given
    if (!current.startsWith('-') && last === current) return done(values(argv).filter((v) => v.startsWith(current)))
  }
  const words = (argv._ as unknown[]).map(String)
  if (words[0] === 'scenario' && words[1] === 'run' && !current.startsWith('-')) {
    return filter((_, defaults) => done([...scenarioNames(argv).filter((n) => n.startsWith(current)), ...(defaults ?? [])]))
  }
  filter()
}
