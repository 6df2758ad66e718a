import { describe, expect, it } from 'vitest'
import type { Scenario } from '../scenario/scenario.js'
import type { ScenarioResult } from '../scenario/scenario-result.js'
import { grade, gradeLine, gradescopeResults } from './gradescope.js'

const scenario = (name: string, points: number) => ({ name, points, visibility: 'visible' }) as unknown as Scenario
const result = (name: string, verdict: ScenarioResult['verdict'], extra: Partial<ScenarioResult> = {}): ScenarioResult => ({
  name, description: '', file: `${name}.yaml`, target: 'local', verdict, durationMs: 1, steps: [], messages: [], serverLog: [], artifacts: [], ...extra,
})
const scenarios = [scenario('echo', 2), scenario('status', 3), scenario('solo', 5)]
const results = [result('echo', 'passed'), result('status', 'failed'), result('solo', 'skipped', { skipped: 'it always admits 3' })]

describe('grading a submission with scenarios it cannot run', () => {
  it('leaves a skipped scenario out of the maximum by default, and marks it in results.json', () => {
    const g = grade('s', scenarios, results)
    expect([g.score, g.maxScore]).toEqual([2, 5])
    expect(gradeLine(g)).toBe('2 of 5 points (1 skipped, not counted)')
    const json = gradescopeResults(g, 1) as { tests: Array<Record<string, unknown>> }
    expect(json.tests[2]).toEqual({ name: 'solo', score: 0, max_score: 0, output: 'skipped: it always admits 3 (not counted)', visibility: 'visible', extra_data: { skipped: true, counted: false } })
    expect(json.tests[0]).toMatchObject({ status: 'passed' })
  })

  it('counts it as lost with --skipped count', () => {
    const g = grade('s', scenarios, results, 'count')
    expect([g.score, g.maxScore]).toEqual([2, 10])
    expect(gradeLine(g)).toBe('2 of 10 points (1 skipped, counted as lost)')
  })

  it('says a submission whose server never started was not graded', () => {
    const dead = scenarios.map((s) => result(s.name, 'failed', { serverDidNotStart: 'the x server did not start: it exited (code 1)\n  ran: python3' }))
    const g = grade('s', scenarios, dead)
    expect(g.notGraded).toMatch(/^the x server did not start/)
    expect(gradeLine(g)).toBe('not graded: the x server did not start: it exited (code 1)')
  })
})
