import type { Options } from 'yargs'
import { envName, envOptions } from '../config/env-options.js'
import type { OptionSpecs, OptionValues } from '../config/option-spec.js'

const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)

/**
 * yargs options built from an option table: `maxClients` becomes `--max-clients`, and its default is
 * `SOCKLAB_MAX_CLIENTS` when that is set (so a flag beats the environment, which beats the built-in default).
 */
export function yargsOptions(specs: OptionSpecs): Record<string, Options> {
  const fromEnv = envOptions(specs) as Record<string, unknown>
  const out: Record<string, Options> = {}
  for (const [name, spec] of Object.entries(specs)) {
    out[kebab(name)] = {
      type: spec.type,
      default: fromEnv[name] ?? spec.default,
      describe: `${spec.describe} [env ${envName(name)}]`,
      ...(spec.type === 'string' && spec.choices ? { choices: [...spec.choices] } : {}),
    }
  }
  return out
}

/** Only the table's own keys, as parsed (yargs also adds aliases, `_` and `$0`). */
export function pickOptions<S extends OptionSpecs>(specs: S, argv: Record<string, unknown>): Partial<OptionValues<S>> {
  const out: Record<string, unknown> = {}
  for (const name of Object.keys(specs)) if (argv[name] !== undefined) out[name] = argv[name]
  return out as Partial<OptionValues<S>>
}
