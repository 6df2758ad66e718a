import { firstFailure } from '../scenario/reports/report-data.js'
import type { Scenario } from '../scenario/scenario.js'
import type { ScenarioResult } from '../scenario/scenario-result.js'

/** One graded scenario: what it is worth, what it earned, and whether students see more than its verdict. */
export interface GradedTest {
  name: string
  score: number
  maxScore: number
  status: 'passed' | 'failed'
  /** Why it failed or was skipped (the first failing step, expected and actual). */
  detail: string
  hidden: boolean
}

export interface Grade {
  submission: string
  score: number
  maxScore: number
  tests: GradedTest[]
}

/** Scores a submission's results: a scenario's points when it passed, nothing otherwise (a skip says why). */
export function grade(submission: string, scenarios: readonly Scenario[], results: readonly ScenarioResult[]): Grade {
  const tests = scenarios.map((scenario): GradedTest => {
    const result = results.find((r) => r.name === scenario.name)
    const passed = result?.verdict === 'passed'
    const detail = !result ? 'not run' : passed ? 'passed' : result.verdict === 'skipped' ? `skipped: ${result.skipped ?? ''}` : (firstFailure(result) ?? 'failed')
    return { name: scenario.name, score: passed ? scenario.points : 0, maxScore: scenario.points, status: passed ? 'passed' : 'failed', detail, hidden: scenario.visibility === 'hidden' }
  })
  const sum = (pick: (t: GradedTest) => number) => tests.reduce((total, t) => total + pick(t), 0)
  return { submission, score: sum((t) => t.score), maxScore: sum((t) => t.maxScore), tests }
}

/**
 * Gradescope's results.json (its autograder specification): the score, and per test its score, maximum,
 * status and output. A hidden scenario is listed with its verdict only: its output says no more.
 */
export function gradescopeResults(g: Grade, executionSeconds: number): object {
  return {
    score: g.score,
    execution_time: Math.round(executionSeconds),
    output: `${g.score} of ${g.maxScore} points: ${g.tests.filter((t) => t.status === 'passed').length} of ${g.tests.length} scenarios passed.`,
    stdout_visibility: 'hidden',
    tests: g.tests.map((t) => ({
      name: t.name,
      score: t.score,
      max_score: t.maxScore,
      status: t.status,
      output: t.hidden ? t.status : t.detail,
      visibility: 'visible',
    })),
  }
}

/** For students: every scenario with its points; a hidden one with its verdict only. */
export function studentReport(g: Grade): string {
  const lines = [`# ${g.submission}: ${g.score} of ${g.maxScore} points`, '', '| scenario | points | result |', '|---|---|---|']
  for (const t of g.tests) {
    const why = t.hidden || t.status === 'passed' ? t.status : `${t.status}: ${t.detail.replace(/\|/g, '\\|').replace(/\n/g, ' ')}`
    lines.push(`| ${t.name}${t.hidden ? ' (hidden)' : ''} | ${t.score} / ${t.maxScore} | ${why} |`)
  }
  return `${lines.join('\n')}\n`
}

/** Several submissions side by side: a row each, its score and each scenario's points. */
export function gradesCsv(grades: readonly Grade[]): string {
  const names = grades[0]?.tests.map((t) => t.name) ?? []
  const quote = (text: string) => (/[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text)
  const rows = grades.map((g) => [g.submission, g.score, g.maxScore, ...g.tests.map((t) => t.score)].map((v) => quote(String(v))).join(','))
  return `${['submission', 'score', 'max_score', ...names].map(quote).join(',')}\n${rows.join('\n')}\n`
}
