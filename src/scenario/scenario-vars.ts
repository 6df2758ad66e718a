import { SocklabError } from '../errors/socklab-error.js'
import type { YamlCursor } from '../values/yaml-cursor.js'

/** Values given for scenario variables from outside the file, stronger than the file's own. */
export interface VarOverrides {
  /** `--var name=value`, the strongest. */
  given: ReadonlyMap<string, string>
  /** Read as `SOCKLAB_VAR_<NAME>` (the name in capitals). */
  env: NodeJS.ProcessEnv
}

export const NO_OVERRIDES: VarOverrides = { given: new Map(), env: {} }

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

export const envName = (name: string): string => `SOCKLAB_VAR_${name.toUpperCase()}`

/** `--var name=value` options (each may be given again; the last wins), checked. */
export function parseVarOptions(options: readonly string[]): Map<string, string> {
  const given = new Map<string, string>()
  for (const option of options) {
    const at = option.indexOf('=')
    const name = at > 0 ? option.slice(0, at) : ''
    if (!VAR_NAME.test(name)) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `--var takes name=value (a name of letters, digits and _), not ${JSON.stringify(option)}`)
    given.set(name, option.slice(at + 1))
  }
  return given
}

/**
 * The file's `vars:` (name: default, or name with no value for one that must be given), each value taken
 * from `--var`, else `SOCKLAB_VAR_<NAME>`, else the default. A variable with no value anywhere is refused.
 */
export function resolveVars(cursor: YamlCursor | undefined, overrides: VarOverrides): Map<string, string> {
  const vars = new Map<string, string>()
  if (!cursor?.present) return vars
  for (const [name, value] of cursor.entries()) {
    if (!VAR_NAME.test(name)) value.fail('a variable name of letters, digits and _ (not starting with a digit)')
    const given = overrides.given.get(name) ?? overrides.env[envName(name)]
    if (given !== undefined) vars.set(name, given)
    else if (value.present) vars.set(name, String(value.scalar()))
    else value.fail(`a default value for ${name}, or one given with --var ${name}=… or ${envName(name)}`)
  }
  return vars
}
