import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { isBroken } from '../scenario/scenario-catalog.js'
import type { Scenario } from '../scenario/scenario.js'
import { selectScenarios } from '../scenario/scenario-selection.js'
import { parseVarOptions } from '../scenario/scenario-vars.js'
import { classroomWorkflow } from './classroom-workflow.js'

const GRADING = fileURLToPath(new URL('../../examples/grading/', import.meta.url))
const SHIPPED = `${GRADING}github-classroom/.github/workflows/classroom.yml`

type Workflow = { jobs: { 'run-autograding-tests': { steps: Array<{ id?: string; name: string; uses: string; with?: Record<string, unknown>; env?: Record<string, string> }> } } }

describe("GitHub Classroom's workflow", async () => {
  const suite = (await selectScenarios(`${GRADING}scenarios`, { selectors: [], all: true, tags: [] }, { given: parseVarOptions([]), env: {} })).filter((s): s is Scenario => !isBroken(s))

  it('ships for the example suite exactly as `socklab scenario classroom` makes it', () => {
    expect(readFileSync(SHIPPED, 'utf8')).toBe(classroomWorkflow(suite))
  })

  it('has a command grader per scenario worth its points, and the reporter reads each one', () => {
    const workflow = parse(classroomWorkflow(suite)) as Workflow
    const steps = workflow.jobs['run-autograding-tests'].steps
    const graders = steps.filter((s) => s.uses === 'classroom-resources/autograding-command-grader@v1')
    expect(graders.map((s) => [s.with!['test-name'], s.with!['max-score']])).toEqual(suite.map((s) => [s.name, s.points]))
    for (const g of graders) expect(g.with!.command).toBe(`socklab scenario run ${String(g.with!['test-name'])} --dir .socklab/scenarios --server . --quiet`)
    const reporter = steps.at(-1)!
    expect(reporter.uses).toBe('classroom-resources/autograding-grading-reporter@v1')
    expect(reporter.with!.runners).toBe(graders.map((g) => g.id).join(','))
    for (const g of graders) expect(reporter.env![`${g.id!.toUpperCase()}_RESULTS`]).toBe(`\${{ steps.${g.id}.outputs.result }}`)
  })

  it('gives a scenario name GitHub would refuse as a step id a safe one', () => {
    const odd = { ...suite[0]!, name: 'Two Words!' }
    const workflow = parse(classroomWorkflow([odd])) as Workflow
    expect(workflow.jobs['run-autograding-tests'].steps.find((s) => s.name === 'Two Words!')!.id).toBe('two-words')
  })
})
