import { existsSync } from 'node:fs'
import type { CommandModule } from 'yargs'
import { SocklabError } from '../errors/socklab-error.js'
import { classroomWorkflow, CLASSROOM_SUITE } from '../grading/classroom-workflow.js'
import { SHIPPED_SCENARIOS } from '../package/package-files.js'
import { EXTENSION_TAG, isBroken } from '../scenario/scenario-catalog.js'
import type { Scenario } from '../scenario/scenario.js'
import { selectScenarios } from '../scenario/scenario-selection.js'
import { parseVarOptions } from '../scenario/scenario-vars.js'
import { fail } from './fail.js'
import { finishOptions } from './yargs-options.js'

export const classroomOptions = (env: NodeJS.ProcessEnv = process.env) =>
  finishOptions({
    dir: { type: 'string', describe: `the graded suite (points: in each scenario); default: ./scenarios, or the shipped ones. Students' repositories hold it at ${CLASSROOM_SUITE}` },
    install: { type: 'string', default: 'npm install --global socklab', describe: 'how the workflow installs socklab on the runner' },
    'timeout-minutes': { type: 'number', default: 5, describe: "each scenario's time on the runner" },
  }, process.argv, env)

/** `socklab scenario classroom`: prints GitHub Classroom's autograding workflow for a graded suite. */
export const classroomCommand: CommandModule = {
  command: 'classroom',
  describe: "print GitHub Classroom's autograding workflow for a graded suite (.github/workflows/classroom.yml): a step per scenario, worth its points",
  builder: (yargs) => yargs.options(classroomOptions()),
  handler: async (argv) => {
    try {
      const dir = typeof argv.dir === 'string' ? argv.dir : existsSync('scenarios') ? 'scenarios' : SHIPPED_SCENARIOS
      const selected = await selectScenarios(dir, { selectors: [], all: true, tags: [] }, { given: parseVarOptions([]), env: process.env })
      const broken = selected.find(isBroken)
      if (broken) throw new SocklabError('SOCKLAB_SCENARIO_INVALID', `a grading suite must be valid: ${broken.error}`)
      const scenarios = selected.filter((s): s is Scenario => !isBroken(s) && !s.tags.includes(EXTENSION_TAG))
      process.stdout.write(classroomWorkflow(scenarios, { install: String(argv.install), timeoutMinutes: Number(argv.timeoutMinutes) }))
    } catch (error) {
      fail(error, 'socklab scenario classroom')
    }
  },
}
