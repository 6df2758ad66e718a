import { readFile, readdir } from 'node:fs/promises'
import { basename, join, relative } from 'node:path'
import { SocklabError } from '../errors/socklab-error.js'
import type { Scenario } from './scenario.js'
import { parseScenario } from './scenario-parser.js'

/** A scenario file that cannot be run: its name (from the file), where it is, and why. */
export interface BrokenScenario {
  name: string
  file: string
  error: string
}

export interface ScenarioCatalog {
  /** The valid scenarios, sorted by name. */
  scenarios: Scenario[]
  /** The files that failed to parse or validate, or reuse a name: each reported, none stopping the rest. */
  broken: BrokenScenario[]
}

const shown = (path: string): string => relative(process.cwd(), path) || path

/** Reads and checks scenario files one by one: a broken file is set aside with its error, never stopping the others. */
export async function readScenarioFiles(paths: readonly string[]): Promise<ScenarioCatalog> {
  const scenarios: Scenario[] = []
  const broken: BrokenScenario[] = []
  const seen = new Map<string, string>()
  for (const path of paths) {
    const file = shown(path)
    const name = basename(path).replace(/\.ya?ml$/, '')
    try {
      const scenario = parseScenario(await readFile(path, 'utf8'), file)
      const other = seen.get(scenario.name)
      if (other) throw new SocklabError('SOCKLAB_SCENARIO_INVALID', `${file}: the name ${scenario.name} is already used by ${other}`)
      seen.set(scenario.name, file)
      scenarios.push(scenario)
    } catch (error) {
      if (!(error instanceof SocklabError)) {
        broken.push({ name, file, error: `${file}: cannot be read: ${(error as Error).message}` })
        continue
      }
      broken.push({ name, file, error: error.message })
    }
  }
  return { scenarios, broken }
}

/** Every `*.yaml` scenario in `dir`, valid or not (see ScenarioCatalog). Only an unreadable folder throws. */
export async function loadCatalog(dir: string): Promise<ScenarioCatalog> {
  let names: string[]
  try {
    names = (await readdir(dir)).filter((name) => /\.ya?ml$/.test(name)).sort()
  } catch (error) {
    throw new SocklabError('SOCKLAB_SCENARIO_INVALID', `cannot read the scenarios folder ${dir}: ${(error as Error).message}`)
  }
  return readScenarioFiles(names.map((name) => join(dir, name)))
}

/** Every scenario in `dir`, all of which must be valid (the shipped ones, the bench): the first broken one throws. */
export async function loadScenarios(dir: string): Promise<Scenario[]> {
  const { scenarios, broken } = await loadCatalog(dir)
  if (broken.length > 0) throw new SocklabError('SOCKLAB_SCENARIO_INVALID', broken[0]!.error)
  return scenarios
}

/**
 * The named scenarios, in the order given, or all of them; an unknown name is an error listing the known.
 * A broken file that is named (or included by `everything`) comes back as broken, to be reported as an
 * errored case while the others run.
 */
export function selectScenarios(catalog: ScenarioCatalog, names: readonly string[], everything: boolean): Array<Scenario | BrokenScenario> {
  const all = [...catalog.scenarios, ...catalog.broken].sort((a, b) => a.name.localeCompare(b.name))
  if (everything) return all
  if (names.length === 0) throw new SocklabError('SOCKLAB_CONFIG_INVALID', 'name the scenarios to run, or pass --all')
  return names.map((name) => {
    const found = catalog.scenarios.find((s) => s.name === name) ?? catalog.broken.find((b) => b.name === name)
    if (!found) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `no scenario named ${name}; known: ${all.map((s) => s.name).join(', ')}`)
    return found
  })
}

export const isBroken = (entry: Scenario | BrokenScenario): entry is BrokenScenario => 'error' in entry && !('steps' in entry)
