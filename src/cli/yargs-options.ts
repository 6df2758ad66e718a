import type { Options } from 'yargs'
import { SocklabError } from '../errors/socklab-error.js'
import type { OptionSpecs, OptionValues } from '../config/option-spec.js'

export type CommandOptions = Record<string, Options>

const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
const camel = (name: string): string => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())

/** `--max-clients` → `SOCKLAB_MAX_CLIENTS`. */
export const envVariable = (flag: string): string => `SOCKLAB_${flag.replace(/-/g, '_').toUpperCase()}`

/** yargs options built from an option table: `maxClients` becomes `--max-clients`. */
export function yargsOptions(specs: OptionSpecs): CommandOptions {
  const out: CommandOptions = {}
  for (const [name, spec] of Object.entries(specs)) {
    out[kebab(name)] = {
      type: spec.type,
      default: spec.default,
      describe: spec.describe,
      ...(spec.type === 'string' && spec.choices ? { choices: [...spec.choices] } : {}),
    }
  }
  return out
}

/**
 * The finishing touches every command's options get, in one place:
 * - a default from `SOCKLAB_<OPTION>` when that is set (a flag beats the environment, which beats the
 *   built-in default); a value that does not parse is refused with the variable's name;
 * - options that take a value refuse to be given none (`--port` alone), and numbers refuse what is not one,
 *   naming the option and the value given (`--port abc`, `--port=`).
 */
export function finishOptions(options: CommandOptions, argv: readonly string[] = process.argv, env: NodeJS.ProcessEnv = process.env): CommandOptions {
  const out: CommandOptions = {}
  for (const [flag, option] of Object.entries(options)) {
    const variable = envVariable(flag)
    const raw = env[variable]
    const fromEnv = raw === undefined || raw === '' ? undefined : parseEnv(variable, raw, option)
    out[flag] = {
      ...option,
      ...(fromEnv !== undefined ? { default: fromEnv } : {}),
      ...(option.type === 'boolean' ? {} : { requiresArg: true }),
      ...(option.type === 'number' ? { coerce: strictNumber(flag, argv) } : {}),
      ...(option.type === 'string' && !option.array ? { coerce: lastOf } : {}),
      describe: `${option.describe ?? ''} [env ${variable}]`,
    }
  }
  return out
}

function parseEnv(variable: string, raw: string, option: Options): unknown {
  const refuse = (expected: string): never => {
    throw new SocklabError('SOCKLAB_CONFIG_INVALID', `${variable}: expected ${expected}, got ${JSON.stringify(raw)}`)
  }
  if (option.type === 'number') {
    const value = Number(raw)
    return raw.trim() === '' || Number.isNaN(value) ? refuse('a number') : value
  }
  if (option.type === 'boolean') return ['true', '1'].includes(raw) ? true : ['false', '0'].includes(raw) ? false : refuse('true or false')
  if (option.array) return raw.split(',').map((item) => item.trim()).filter(Boolean)
  if (option.choices && !(option.choices as unknown[]).includes(raw)) refuse(`one of ${(option.choices as unknown[]).join(', ')}`)
  return raw
}

/** yargs turns `--port abc` into NaN and `--port=` into 0: this refuses both, quoting what was given. */
/** An option given twice takes its last value, as in most tools (repeatable ones such as `-c` add up). */
const lastOf = (value: unknown): unknown => (Array.isArray(value) ? value.at(-1) : value)

function strictNumber(flag: string, argv: readonly string[]) {
  return (parsed: unknown): number | undefined => {
    const value = lastOf(parsed)
    if (value === undefined) return undefined
    const given = rawValue(flag, argv)
    if (typeof value !== 'number' || Number.isNaN(value) || given?.trim() === '') {
      throw new SocklabError('SOCKLAB_CONFIG_INVALID', `--${flag}: expected a number, got ${JSON.stringify(given ?? String(value))}`)
    }
    return value
  }
}

/** What followed `--flag` on the command line (`--flag value` or `--flag=value`), the last time it appears. */
function rawValue(flag: string, argv: readonly string[]): string | undefined {
  let found: string | undefined
  const names = [`--${flag}`, `--${camel(flag)}`]
  argv.forEach((arg, i) => {
    for (const name of names) {
      if (arg === name) found = argv[i + 1]
      else if (arg.startsWith(`${name}=`)) found = arg.slice(name.length + 1)
    }
  })
  return found
}

/** Only the table's own keys, as parsed (yargs also adds aliases, `_` and `$0`). */
export function pickOptions<S extends OptionSpecs>(specs: S, argv: Record<string, unknown>): Partial<OptionValues<S>> {
  const out: Record<string, unknown> = {}
  for (const name of Object.keys(specs)) if (argv[name] !== undefined) out[name] = argv[name]
  return out as Partial<OptionValues<S>>
}
