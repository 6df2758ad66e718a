import { verdictText } from '../scenario/check-tally.js'
import { bundleFiles, firstFailure } from '../scenario/reports/report-data.js'
import { mermaidSequence } from '../scenario/reports/markdown-report.js'
import type { Scenario, Visibility } from '../scenario/scenario.js'
import type { ScenarioResult } from '../scenario/scenario-result.js'

/** One graded scenario: what it is worth, what it earned, and whether students see more than its verdict. */
export interface GradedTest {
  name: string
  score: number
  maxScore: number
  /** `skipped`: it cannot run against this submission (a setting its server does not take, a docker-only step). */
  status: 'passed' | 'failed' | 'skipped'
  /** Why it failed or was skipped (the first failing step, expected and actual). */
  detail: string
  hidden: boolean
  /** Who sees its details (the scenario's `visibility:`). */
  visibility: Visibility
  /** A failed run's sequence diagram (Mermaid lines), for the formats that show it. */
  diagram?: string[]
  /** A skipped scenario left out of the maximum (`--skipped exclude`): its points are not counted either way. */
  excluded?: boolean
  /** A failed run's bundle: its capture, timeline, log slice and transcripts, where the grading keeps them. */
  bundle?: string[]
}

export interface Grade {
  submission: string
  score: number
  maxScore: number
  tests: GradedTest[]
  /** The submission's server never started: nothing was graded (what was run and waited for, its last lines). */
  notGraded?: string
}

/** How a scenario that cannot run against a submission counts: left out of its maximum, or as points lost. */
export const SKIPPED_SCORING = ['exclude', 'count'] as const
export type SkippedScoring = (typeof SKIPPED_SCORING)[number]

/**
 * Scores a submission's results: a scenario's points when it passed, nothing when it failed. A skipped one
 * (it cannot run against this server) is left out of the maximum by default, or counted as lost with `count`.
 */
export function grade(submission: string, scenarios: readonly Scenario[], results: readonly ScenarioResult[], skipped: SkippedScoring = 'exclude'): Grade {
  const tests = scenarios.map((scenario): GradedTest => {
    const result = results.find((r) => r.name === scenario.name)
    const status = !result ? 'failed' : result.verdict
    const detail = !result ? 'not run' : status === 'passed' ? verdictText(result) : status === 'skipped' ? `skipped: ${result.skipped ?? ''}` : (firstFailure(result) ?? 'failed')
    const excluded = status === 'skipped' && skipped === 'exclude'
    const diagram = status === 'failed' && result ? mermaidSequence(result) : undefined
    const bundle = status === 'failed' && result ? bundleFiles(result) : []
    return {
      name: scenario.name,
      score: status === 'passed' ? scenario.points : 0,
      maxScore: excluded ? 0 : scenario.points,
      status,
      detail,
      hidden: scenario.visibility === 'hidden',
      visibility: scenario.visibility,
      ...(diagram ? { diagram } : {}),
      ...(excluded ? { excluded } : {}),
      ...(bundle.length > 0 ? { bundle } : {}),
    }
  })
  const sum = (pick: (t: GradedTest) => number) => tests.reduce((total, t) => total + pick(t), 0)
  const g: Grade = { submission, score: sum((t) => t.score), maxScore: sum((t) => t.maxScore), tests }
  const started = results.some((r) => !r.serverDidNotStart && r.verdict !== 'skipped')
  const dead = results.find((r) => r.serverDidNotStart)
  if (dead && !started) g.notGraded = dead.serverDidNotStart
  return g
}

/** `12 of 14 points (3 scenarios skipped, not counted)`, or why the submission could not be graded. */
export function gradeLine(g: Grade): string {
  if (g.notGraded) return `not graded: ${g.notGraded.split('\n')[0]}`
  const skipped = g.tests.filter((t) => t.status === 'skipped')
  const excluded = skipped.filter((t) => t.excluded).length
  const note = skipped.length === 0 ? '' : excluded > 0 ? ` (${skipped.length} skipped, not counted)` : ` (${skipped.length} skipped, counted as lost)`
  return `${g.score} of ${g.maxScore} points${note}`
}

/** A test's output for students, in Markdown: its reason and, when it failed, the sequence diagram; a hidden one's verdict only. */
export function testOutput(t: GradedTest): string {
  if (t.hidden) return t.status
  if (t.status === 'skipped') return `${t.detail}${t.excluded ? ' (not counted)' : ''}`
  const kept = t.bundle ? `\n\nFailure bundle (kept with the grading output):\n${t.bundle.map((f) => `- \`${f}\``).join('\n')}` : ''
  if (t.status === 'passed' || !t.diagram) return `${t.detail}${kept}`
  return `${t.detail}\n\n\`\`\`mermaid\n${t.diagram.join('\n')}\n\`\`\`${kept}`
}

/** The whole submission in a sentence: its score and how many scenarios passed, or why it was not graded. */
export function gradeSummary(g: Grade): string {
  return g.notGraded
    ? `Not graded: the server did not start.\n${g.notGraded}`
    : `${gradeLine(g)}: ${g.tests.filter((t) => t.status === 'passed').length} of ${g.tests.filter((t) => !t.excluded).length} scenarios passed.`
}

/**
 * Gradescope's results.json, to its autograder specification: the score, execution time and output (in
 * Markdown), and per test its score, maximum, status, output (the failure's reason and sequence diagram)
 * and visibility. A hidden scenario is listed with its verdict only; `after_due_date` and
 * `after_published` are Gradescope's own, passed on.
 */
export function gradescopeResults(g: Grade, executionSeconds: number): object {
  return {
    score: g.score,
    execution_time: Math.round(executionSeconds),
    output: gradeSummary(g),
    output_format: 'md',
    test_output_format: 'md',
    visibility: 'visible',
    stdout_visibility: 'hidden',
    tests: g.tests.map((t) => ({
      name: t.name,
      score: t.score,
      max_score: t.maxScore,
      // Gradescope knows passed and failed; a skipped scenario has no status, and says it was skipped.
      ...(t.status === 'skipped' ? {} : { status: t.status }),
      output: testOutput(t),
      output_format: 'md',
      visibility: t.visibility === 'hidden' ? 'visible' : t.visibility,
      ...(t.status === 'skipped' ? { extra_data: { skipped: true, counted: !t.excluded } } : {}),
      ...(t.bundle && !t.hidden ? { extra_data: { bundle: t.bundle } } : {}),
    })),
  }
}

/** For students: every scenario with its points; a hidden one with its verdict only. */
export function studentReport(g: Grade): string {
  const lines = [`# ${g.submission}: ${gradeLine(g)}`, '', '| scenario | points | result |', '|---|---|---|']
  if (g.notGraded) lines.splice(1, 0, '', 'Your server did not start, so nothing could be graded:', '', '```', g.notGraded, '```')
  for (const t of g.tests) {
    const detail = t.detail.replace(/\|/g, '\\|').replace(/\n/g, ' ')
    // A skipped one's detail says so already.
    const why = t.hidden || t.status === 'passed' ? t.status : t.status === 'skipped' ? detail : `${t.status}: ${detail}`
    lines.push(`| ${t.name}${t.hidden ? ' (hidden)' : ''} | ${t.excluded ? 'not counted' : `${t.score} / ${t.maxScore}`} | ${why} |`)
  }
  return `${lines.join('\n')}\n`
}

/** Several submissions side by side: a row each, its score and each scenario's points. */
export function gradesCsv(grades: readonly Grade[]): string {
  const names = grades[0]?.tests.map((t) => t.name) ?? []
  const quote = (text: string) => (/[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text)
  const rows = grades.map((g) => [g.submission, g.score, g.maxScore, ...g.tests.map((t) => (t.excluded ? '' : t.score))].map((v) => quote(String(v))).join(','))
  return `${['submission', 'score', 'max_score', ...names].map(quote).join(',')}\n${rows.join('\n')}\n`
}
