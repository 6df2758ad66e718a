import { describe, expect, it } from 'vitest'
import type { Scenario } from '../scenario/scenario.js'
import type { ScenarioResult } from '../scenario/scenario-result.js'
import { grade, gradeLine, gradescopeResults } from './gradescope.js'
import { prairieLearnResults } from './prairielearn.js'

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
    expect(json.tests[2]).toEqual({ name: 'solo', score: 0, max_score: 0, output: 'skipped: it always admits 3 (not counted)', output_format: 'md', visibility: 'visible', extra_data: { skipped: true, counted: false } })
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

describe("the graders' formats", () => {
  const failed = result('status', 'failed', {
    steps: [{ label: 'send a: status', line: 7, verdict: 'failed', durationMs: 3, reason: 'the reply did not match', expected: 'a', actual: 'b' }],
    messages: [{ from: 'a', to: 'server', text: 'status', atMs: 1 }],
  })
  const mixed = [scenario('echo', 2), { ...scenario('status', 3), visibility: 'after_due_date' } as Scenario, { ...scenario('secret', 5), visibility: 'hidden' } as Scenario]
  const g = grade('s', mixed, [result('echo', 'passed'), failed, result('secret', 'failed', { error: 'nope' })])

  it('Gradescope: Markdown output, the failure with its sequence diagram, visibility passed on, a hidden test to its verdict', () => {
    const json = gradescopeResults(g, 12.4) as Record<string, unknown> & { tests: Array<Record<string, unknown>> }
    expect(json).toMatchObject({ score: 2, execution_time: 12, output_format: 'md', test_output_format: 'md', visibility: 'visible', stdout_visibility: 'hidden' })
    expect(json.output).toBe('2 of 10 points: 1 of 3 scenarios passed.')
    const status = json.tests[1]!
    expect(status).toMatchObject({ name: 'status', score: 0, max_score: 3, status: 'failed', output_format: 'md', visibility: 'after_due_date' })
    expect(status.output).toBe('line 7: send a: status: the reply did not match (expected a, got b)\n\n```mermaid\nsequenceDiagram\n    participant server as server\n    participant p1 as a\n    p1->>server: status\n```')
    expect(json.tests[2]).toMatchObject({ name: 'secret', output: 'failed', visibility: 'visible' })
    // Only the keys of Gradescope's specification.
    const allowed = new Set(['score', 'max_score', 'status', 'name', 'name_format', 'number', 'output', 'output_format', 'tags', 'visibility', 'extra_data'])
    for (const t of json.tests) for (const key of Object.keys(t)) expect(allowed).toContain(key)
    const top = new Set(['score', 'execution_time', 'output', 'output_format', 'test_output_format', 'test_name_format', 'visibility', 'stdout_visibility', 'extra_data', 'tests', 'leaderboard'])
    for (const key of Object.keys(json)) expect(top).toContain(key)
  })

  it("Gradescope: a failed test's output lists its failure bundle (capture, timeline, logs) and extra_data holds it; a hidden one's does not", () => {
    const bundle = { dir: 'out/s/logs/status-logs', capture: 'out/s/logs/status-logs/capture.pcap', captureNote: 'loopback, tcp port 1', packetsCaptured: 9, timeline: 'out/s/logs/status-logs/timeline.txt', window: { fromMs: 0, toMs: 1 }, packets: [] }
    const kept = { bundle, artifacts: ['out/s/logs/status-logs/server.log'] }
    const withBundle = grade('s', mixed, [result('echo', 'passed'), { ...failed, ...kept }, result('secret', 'failed', { error: 'nope', ...kept })])
    const json = gradescopeResults(withBundle, 1) as { tests: Array<Record<string, unknown>> }
    expect(json.tests[1]!.output).toMatch(/```\n\nFailure bundle \(kept with the grading output\):\n- `out\/s\/logs\/status-logs\/capture\.pcap`\n- `out\/s\/logs\/status-logs\/timeline\.txt`\n- `out\/s\/logs\/status-logs\/server\.log`$/)
    expect(json.tests[1]!.extra_data).toEqual({ bundle: [bundle.capture, bundle.timeline, 'out/s/logs/status-logs/server.log'] })
    expect(json.tests[2]).toMatchObject({ name: 'secret', output: 'failed' })
    expect(json.tests[2]!.extra_data).toBeUndefined()
  })

  it('PrairieLearn: a score from 0 to 1 and the tests as its results element shows them; a server that never started is not gradable', () => {
    expect(prairieLearnResults(g)).toEqual({
      gradable: true,
      score: 0.2,
      message: '2 of 10 points: 1 of 3 scenarios passed.',
      tests: [
        { name: 'echo', points: 2, max_points: 2, message: 'passed', output: 'passed' },
        { name: 'status', points: 0, max_points: 3, message: 'failed', output: expect.stringContaining('```mermaid') },
        { name: 'secret', points: 0, max_points: 5, message: 'failed', output: 'failed' },
      ],
    })
    const dead = grade('s', mixed, mixed.map((s) => result(s.name, 'failed', { serverDidNotStart: 'the x server did not start: it exited (code 1)\n  ran: python3' })))
    expect(prairieLearnResults(dead)).toEqual({ gradable: false, message: 'Your server did not start, so nothing could be graded.', format_errors: ['the x server did not start: it exited (code 1)', '  ran: python3'] })
  })
})
