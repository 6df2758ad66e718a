import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { glob } from 'tinyglobby'
import { SocklabError } from '../errors/socklab-error.js'
import type { Scenario } from './scenario.js'
import { isBroken, readScenarioFiles, scenarioFiles, type BrokenScenario } from './scenario-catalog.js'
import type { VarOverrides } from './scenario-vars.js'

export interface Selection {
  /** Names (`echo`), name globs (`reset-*`), files (`suite/x.yaml`) or file globs (`suite/**\/*.yaml`). */
  selectors: readonly string[]
  /** Every scenario of the folder. */
  all: boolean
  /** Only scenarios with at least one of these tags (of the folder, when nothing else is named). */
  tags: readonly string[]
}

const GLOB = /[*?[\]{}]/
const isPath = (selector: string): boolean => /[\\/]/.test(selector) || /\.ya?ml$/.test(selector)

/** A name glob (`*`, `?`, `[…]`) as a whole-name regex. */
function nameMatcher(pattern: string): RegExp {
  const source = pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')
  return new RegExp(`^${source}$`)
}

/**
 * The scenarios to run, in the order named (each once): by name or name glob from `dir`, by file or file
 * glob from anywhere, every one of `dir` with `all`, filtered by `tags`. Broken files that are selected come
 * back as broken, to be reported as errored cases while the others run (a broken file's tags are unknown:
 * with `tags` alone, every broken file of the folder is reported).
 */
export async function selectScenarios(dir: string, selection: Selection, overrides: VarOverrides): Promise<Array<Scenario | BrokenScenario>> {
  const { selectors, all, tags } = selection
  if (selectors.length === 0 && !all && tags.length === 0) throw new SocklabError('SOCKLAB_CONFIG_INVALID', 'name the scenarios to run (names, files or globs), or pass --all or --tag')
  const folder = await readScenarioFiles(await scenarioFiles(dir), overrides)
  const everything = [...folder.scenarios, ...folder.broken].sort((a, b) => a.name.localeCompare(b.name))
  const picked: Array<Scenario | BrokenScenario> = []
  const add = (entry: Scenario | BrokenScenario) => {
    if (!picked.some((p) => resolve(p.file) === resolve(entry.file))) picked.push(entry)
  }
  if (all || (selectors.length === 0 && tags.length > 0)) everything.forEach(add)
  for (const selector of selectors) {
    if (isPath(selector)) {
      const paths = GLOB.test(selector) ? (await glob(selector, { absolute: true, onlyFiles: true })).sort() : existsSync(selector) ? [resolve(selector)] : []
      if (paths.length === 0) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `no scenario file matches ${selector}`)
      const read = await readScenarioFiles(paths, overrides)
      ;[...read.scenarios, ...read.broken].sort((a, b) => paths.indexOf(resolve(a.file)) - paths.indexOf(resolve(b.file))).forEach(add)
      continue
    }
    const pattern = nameMatcher(selector)
    const found = everything.filter((entry) => pattern.test(entry.name))
    if (found.length === 0) {
      throw new SocklabError('SOCKLAB_CONFIG_INVALID', `no scenario named ${selector} in ${dir}; known: ${everything.map((s) => s.name).join(', ')}`)
    }
    found.forEach(add)
  }
  if (tags.length === 0) return picked
  return picked.filter((entry) => isBroken(entry) || entry.tags.some((tag) => tags.includes(tag)))
}

/** Refuses a `--var` that no selected scenario declares: a typo would otherwise be silently ignored. */
export function checkGivenVars(selected: ReadonlyArray<Scenario | BrokenScenario>, given: ReadonlyMap<string, string>): void {
  const declared = new Set(selected.flatMap((entry) => (isBroken(entry) ? [] : Object.keys(entry.vars))))
  const unknown = [...given.keys()].filter((name) => !declared.has(name))
  if (unknown.length > 0 && selected.some((entry) => !isBroken(entry))) {
    throw new SocklabError('SOCKLAB_CONFIG_INVALID', `--var ${unknown.join(', ')}: no selected scenario has such a variable (they have: ${[...declared].join(', ') || 'none'})`)
  }
}
