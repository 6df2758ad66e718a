import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { loadScenarios, parseScenario, type Scenario } from '../../src/index.js'

export const SHIPPED_FILES = fileURLToPath(new URL('../../server_files', import.meta.url))
export const SHIPPED_SCENARIOS = fileURLToPath(new URL('../../scenarios', import.meta.url))

export const shippedScenarios = (): Promise<Scenario[]> => loadScenarios(SHIPPED_SCENARIOS)

/** The deliberately failing scenario fixture (not in scenarios/). */
export async function wrongExpectation(): Promise<Scenario> {
  const url = new URL('../fixtures/scenarios/wrong-expectation.yaml', import.meta.url)
  return parseScenario(await readFile(url, 'utf8'), 'test/fixtures/scenarios/wrong-expectation.yaml')
}
