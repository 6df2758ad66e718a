import { readFile, readdir } from 'node:fs/promises'
import { basename, join, relative } from 'node:path'
import { SocklabError } from '../errors/socklab-error.js'
import type { Scenario } from './scenario.js'
import { parseScenario } from './scenario-parser.js'
import { ScenarioInvalid } from './scenario-problems.js'
import { NO_OVERRIDES, type VarOverrides } from './scenario-vars.js'

/** The tag of scenarios that check socklab's own extensions (disconnect history, error codes), not the assignment. */
export const EXTENSION_TAG = 'socklab'

/** A scenario file that cannot be run: its name (from the file), where it is, and why (every problem found). */
export interface BrokenScenario {
  name: string
  file: string
  /** The problems, one per line. */
  error: string
  problems: readonly string[]
}

export interface ScenarioCatalog {
  /** The valid scenarios, sorted by name. */
  scenarios: Scenario[]
  /** The files that failed to parse or validate, or reuse a name: each reported, none stopping the rest. */
  broken: BrokenScenario[]
}

const shown = (path: string): string => relative(process.cwd(), path) || path

/** Reads and checks scenario files one by one: a broken file is set aside with its errors, never stopping the others. */
export async function readScenarioFiles(paths: readonly string[], overrides: VarOverrides = NO_OVERRIDES): Promise<ScenarioCatalog> {
  const scenarios: Scenario[] = []
  const broken: BrokenScenario[] = []
  const seen = new Map<string, string>()
  const setAside = (name: string, file: string, problems: readonly string[]) => broken.push({ name, file, error: problems.join('\n'), problems })
  for (const path of paths) {
    const file = shown(path)
    const name = basename(path).replace(/\.ya?ml$/, '')
    try {
      const scenario = parseScenario(await readFile(path, 'utf8'), file, overrides)
      const other = seen.get(scenario.name)
      if (other) throw new SocklabError('SOCKLAB_SCENARIO_INVALID', `${file}: the name ${scenario.name} is already used by ${other}`)
      seen.set(scenario.name, file)
      scenarios.push(scenario)
    } catch (error) {
      if (error instanceof ScenarioInvalid) setAside(name, file, error.problems)
      else if (error instanceof SocklabError) setAside(name, file, [error.message])
      else setAside(name, file, [`${file}: cannot be read: ${(error as Error).message}`])
    }
  }
  return { scenarios, broken }
}

/** The `*.yaml` scenario files in `dir`, sorted. Only an unreadable folder throws. */
export async function scenarioFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir))
      .filter((name) => /\.ya?ml$/.test(name))
      .sort()
      .map((name) => join(dir, name))
  } catch (error) {
    throw new SocklabError('SOCKLAB_SCENARIO_INVALID', `cannot read the scenarios folder ${dir}: ${(error as Error).message}`)
  }
}

/** Every `*.yaml` scenario in `dir`, valid or not (see ScenarioCatalog). Only an unreadable folder throws. */
export async function loadCatalog(dir: string, overrides: VarOverrides = NO_OVERRIDES): Promise<ScenarioCatalog> {
  return readScenarioFiles(await scenarioFiles(dir), overrides)
}

/** Every scenario in `dir`, all of which must be valid (the shipped ones, the bench): the first broken one throws. */
export async function loadScenarios(dir: string): Promise<Scenario[]> {
  const { scenarios, broken } = await loadCatalog(dir)
  if (broken.length > 0) throw new SocklabError('SOCKLAB_SCENARIO_INVALID', broken[0]!.error)
  return scenarios
}

export const isBroken = (entry: Scenario | BrokenScenario): entry is BrokenScenario => 'problems' in entry
