import { describe, expect, it } from 'vitest'
import { bar } from './grade-progress.js'
import { classReport, scoreHistogram } from './class-report.js'
import type { Grade } from './gradescope.js'

const graded = (submission: string, score: number, tests: Array<['passed' | 'failed', number]>): Grade => ({
  submission,
  score,
  maxScore: 10,
  tests: tests.map(([status, points], i) => ({ name: `t${i + 1}`, score: status === 'passed' ? points : 0, maxScore: points, status, detail: '', hidden: false, visibility: 'visible' as const })),
})

describe('the class report', () => {
  const a = graded('ada', 10, [['passed', 5], ['passed', 5]])
  const b = graded('bob', 5, [['passed', 5], ['failed', 5]])
  const c = graded('cy<script>', 0, [['failed', 5], ['failed', 5]])

  it('bins the scores in tenths of the maximum, full marks in the last', () => {
    const svg = scoreHistogram([a, b, c])
    expect(svg).toContain('aria-label="Score histogram: 1 at 0%, 0 at 10%, 0 at 20%, 0 at 30%, 0 at 40%, 1 at 50%, 0 at 60%, 0 at 70%, 0 at 80%, 1 at 90%"')
  })

  it("gives each test's pass rate, the submissions below full marks, and escapes names", () => {
    const html = classReport([
      { grade: a, seconds: 3, where: 'docker (sandboxed)', report: 'ada/report.html' },
      { grade: b, seconds: 9, where: 'docker (sandboxed)', report: 'bob/report.html' },
      { grade: c, seconds: 1, where: 'docker (sandboxed)', report: 'cy/report.html' },
    ])
    expect(html).toContain('<tr><td>t1</td><td class="num">2 of 3</td>')
    expect(html).toContain('<tr><td>t2</td><td class="num">1 of 3</td>')
    expect(html).toContain('(failed: t2)')
    expect(html).toContain('cy&lt;script&gt;')
    expect(html).not.toContain('cy<script>')
    expect(html).toMatch(/<h2 id="slowest">Slowest<\/h2>\n<ol><li><a href="bob\/report.html">bob<\/a>: 9.0 s/)
  })

  it('draws progress as a bar of twenty', () => {
    expect(bar(0, 4)).toBe(`[${'-'.repeat(20)}]`)
    expect(bar(1, 4)).toBe(`[${'#'.repeat(5)}${'-'.repeat(15)}]`)
    expect(bar(4, 4)).toBe(`[${'#'.repeat(20)}]`)
  })
})
