import { isSocklabError, SocklabError } from '../errors/socklab-error.js'

/** A scenario file with one or more problems, each `file:line: path: expected …` on a line of its own. */
export class ScenarioInvalid extends SocklabError {
  constructor(readonly problems: readonly string[]) {
    super('SOCKLAB_SCENARIO_INVALID', problems.join('\n'))
  }
}

/**
 * Collects the problems of one file so that all of them are reported at once: each part of the file (a
 * section, a step) is checked by `check`, which records its failure and goes on with the next part.
 */
export class ProblemList {
  readonly #problems: string[] = []

  /** The part's value, or undefined when it has a problem (recorded). Only validation failures are caught. */
  check<T>(part: () => T): T | undefined {
    try {
      return part()
    } catch (error) {
      if (!isSocklabError(error, 'SOCKLAB_SCENARIO_INVALID')) throw error
      this.#problems.push(...(error instanceof ScenarioInvalid ? error.problems : [error.message]))
      return undefined
    }
  }

  get empty(): boolean {
    return this.#problems.length === 0
  }

  /** Throws every problem recorded, if there is any. */
  throwIfAny(): void {
    if (this.#problems.length > 0) throw new ScenarioInvalid(this.#problems)
  }
}
