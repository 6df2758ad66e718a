import { readFile, readdir } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { SocklabError } from '../errors/socklab-error.js'
import type { Scenario } from './scenario.js'
import { parseScenario } from './scenario-parser.js'

/** Every `*.yaml` scenario in `dir`, parsed and validated, sorted by name. The first invalid file stops it. */
export async function loadScenarios(dir: string): Promise<Scenario[]> {
  let names: string[]
  try {
    names = (await readdir(dir)).filter((name) => /\.ya?ml$/.test(name)).sort()
  } catch (error) {
    throw new SocklabError('SOCKLAB_SCENARIO_INVALID', `cannot read the scenarios folder ${dir}: ${(error as Error).message}`)
  }
  const scenarios: Scenario[] = []
  for (const name of names) {
    const path = join(dir, name)
    scenarios.push(parseScenario(await readFile(path, 'utf8'), relative(process.cwd(), path) || path))
  }
  const seen = new Map<string, string>()
  for (const scenario of scenarios) {
    const other = seen.get(scenario.name)
    if (other) throw new SocklabError('SOCKLAB_SCENARIO_INVALID', `${scenario.file}: the name ${scenario.name} is already used by ${other}`)
    seen.set(scenario.name, scenario.file)
  }
  return scenarios
}

/** The named scenarios, in the order given, or all of them; an unknown name is an error listing the known. */
export function selectScenarios(all: readonly Scenario[], names: readonly string[], everything: boolean): Scenario[] {
  if (everything) return [...all]
  if (names.length === 0) throw new SocklabError('SOCKLAB_CONFIG_INVALID', 'name the scenarios to run, or pass --all')
  return names.map((name) => {
    const found = all.find((s) => s.name === name)
    if (!found) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `no scenario named ${name}; known: ${all.map((s) => s.name).join(', ')}`)
    return found
  })
}
