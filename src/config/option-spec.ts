import { SocklabError } from '../errors/socklab-error.js'
import { LONGEST_TIMER, TIMER_MAX_MS } from '../values/duration.js'

/** `maxClients` → `SOCKLAB_MAX_CLIENTS`, the variable the CLI reads it from. */
export const envName = (option: string): string => `SOCKLAB_${option.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`

/**
 * One table per command describes each option once: the CLI builds its yargs options from it, and
 * `resolveOptions()` fills defaults and checks ranges for callers that skip the CLI (tests, scenarios).
 */
export type OptionSpec =
  | { type: 'string'; default: string; describe: string; choices?: readonly string[] }
  | { type: 'number'; default: number; describe: string; min: number; max?: number; integer?: boolean }
  | { type: 'boolean'; default: boolean; describe: string }

export type OptionSpecs = Record<string, OptionSpec>

export type OptionValues<S extends OptionSpecs> = {
  [K in keyof S]: S[K] extends { type: 'number' } ? number : S[K] extends { type: 'boolean' } ? boolean : string
}

export function defaultsOf<S extends OptionSpecs>(specs: S): OptionValues<S> {
  const out: Record<string, unknown> = {}
  for (const [name, spec] of Object.entries(specs)) out[name] = spec.default
  return out as OptionValues<S>
}

function check(name: string, spec: OptionSpec, value: unknown): void {
  const fail = (expected: string): never => {
    const flag = `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`
    throw new SocklabError('SOCKLAB_CONFIG_INVALID', `${flag} (${envName(name)}): expected ${expected}, got ${JSON.stringify(value)}`)
  }
  if (spec.type === 'number') {
    if (typeof value !== 'number' || Number.isNaN(value)) fail('a number')
    const number = value as number
    if (spec.integer !== false && !Number.isInteger(number)) fail('a whole number')
    if (number < spec.min) fail(`at least ${spec.min}`)
    if (spec.max !== undefined && number > spec.max) fail(`at most ${spec.max}`)
    // A longer delay would overflow the timer (Node then fires it after 1 ms).
    if (spec.max === undefined && name.endsWith('Ms') && number > TIMER_MAX_MS) fail(`at most ${TIMER_MAX_MS} (${LONGEST_TIMER})`)
  } else if (spec.type === 'boolean') {
    if (typeof value !== 'boolean') fail('true or false')
  } else {
    if (typeof value !== 'string') fail('a string')
    if (spec.choices && !spec.choices.includes(value as string)) fail(`one of ${spec.choices.join(', ')}`)
  }
}

/** Fills defaults, refuses unknown names and out-of-range values, and freezes the result. */
export function resolveOptions<S extends OptionSpecs>(
  specs: S,
  input: Partial<OptionValues<S>>,
): Readonly<OptionValues<S>> {
  for (const name of Object.keys(input)) {
    if (!(name in specs)) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `unknown option ${name}`)
  }
  const out: Record<string, unknown> = { ...defaultsOf(specs) }
  for (const [name, value] of Object.entries(input)) {
    if (value === undefined) continue
    check(name, specs[name]!, value)
    out[name] = value
  }
  return Object.freeze(out) as Readonly<OptionValues<S>>
}
