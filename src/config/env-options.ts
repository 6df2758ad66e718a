import { SocklabError } from '../errors/socklab-error.js'
import type { OptionSpecs, OptionValues } from './option-spec.js'

export const ENV_PREFIX = 'SOCKLAB_'

/** `maxClients` → `SOCKLAB_MAX_CLIENTS`. */
export const envName = (option: string): string => ENV_PREFIX + option.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()

/**
 * Values set in the environment for a table's options, parsed to the option's type. A value that does not
 * parse is refused with the variable's name; range checks are left to resolveOptions().
 */
export function envOptions<S extends OptionSpecs>(specs: S, env: NodeJS.ProcessEnv = process.env): Partial<OptionValues<S>> {
  const out: Record<string, unknown> = {}
  for (const [name, spec] of Object.entries(specs)) {
    const raw = env[envName(name)]
    if (raw === undefined || raw === '') continue
    if (spec.type === 'number') {
      const value = Number(raw)
      if (Number.isNaN(value)) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `${envName(name)}: expected a number, got ${JSON.stringify(raw)}`)
      out[name] = value
    } else if (spec.type === 'boolean') {
      if (!['true', 'false', '1', '0'].includes(raw)) {
        throw new SocklabError('SOCKLAB_CONFIG_INVALID', `${envName(name)}: expected true or false, got ${JSON.stringify(raw)}`)
      }
      out[name] = raw === 'true' || raw === '1'
    } else {
      out[name] = raw
    }
  }
  return out as Partial<OptionValues<S>>
}

/** Variables read by docker-compose.yml and the image scripts, not by the CLI. */
export const TOOLING_ENV_NAMES = ['SOCKLAB_IMAGE', 'SOCKLAB_NODE_IMAGE', 'SOCKLAB_APP_SOURCE', 'SOCKLAB_SUBNET', 'SOCKLAB_OFFLINE', 'SOCKLAB_BASE_TAG', 'SOCKLAB_SERVER_IP'] as const

/** SOCKLAB_ variables that name no option of any table: most likely a typo, worth a warning. */
export function unknownEnvNames(tables: readonly OptionSpecs[], env: NodeJS.ProcessEnv = process.env): string[] {
  const known = new Set<string>([...tables.flatMap((specs) => Object.keys(specs).map(envName)), ...TOOLING_ENV_NAMES])
  return Object.keys(env).filter((key) => key.startsWith(ENV_PREFIX) && !known.has(key))
}
