import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { loadScenarios, parseScenario, type Scenario } from '../../src/index.js'

export const SHIPPED_FILES = fileURLToPath(new URL('../../server_files', import.meta.url))
export const SHIPPED_SCENARIOS = fileURLToPath(new URL('../../scenarios', import.meta.url))

export const shippedScenarios = (): Promise<Scenario[]> => loadScenarios(SHIPPED_SCENARIOS)

/** A scenario fixture from test/fixtures/scenarios/ (not shipped). */
export async function fixtureScenario(name: string): Promise<Scenario> {
  const url = new URL(`../fixtures/scenarios/${name}.yaml`, import.meta.url)
  return parseScenario(await readFile(url, 'utf8'), `test/fixtures/scenarios/${name}.yaml`)
}

/** The deliberately failing scenario fixture. */
export const wrongExpectation = (): Promise<Scenario> => fixtureScenario('wrong-expectation')
