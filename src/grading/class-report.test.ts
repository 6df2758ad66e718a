import { describe, expect, it } from 'vitest'
import { Writable } from 'node:stream'
import { bar, GradeProgress } from './grade-progress.js'
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

describe('the progress of a class', () => {
  const sink = (tty: boolean) => {
    const chunks: string[] = []
    const out = Object.assign(new Writable({ write: (chunk, _encoding, done) => (chunks.push(String(chunk)), done()) }), { isTTY: tty, columns: 200 })
    return { out, text: () => chunks.join('') }
  }

  it('on a terminal redraws a bar per submission being graded and one for the class, in place', () => {
    const { out, text } = sink(true)
    const progress = new GradeProgress(out, 2)
    progress.start('ada', 4)
    progress.scenario('ada', 'echo', 'passed')
    const drawn = text()
    expect(drawn).toContain(`  ${bar(1, 4)} ada: 1 of 4 (echo passed)\n${bar(0, 2)} class: 0 of 2 submissions graded\n`)
    // The two lines drawn before are taken back (cursor up two lines, clear) before the next drawing.
    expect(drawn).toContain('\x1b[2F\x1b[J')
    progress.finished('ada', '10 of 10 points')
    expect(text().endsWith(`ada: 10 of 10 points\n${bar(1, 2)} class: 1 of 2 submissions graded\n`)).toBe(true)
  })

  it('in a log writes a line per finished scenario and submission, no escape codes', () => {
    const { out, text } = sink(false)
    const progress = new GradeProgress(out, 1)
    progress.start('ada', 2)
    progress.scenario('ada', 'echo', 'failed')
    progress.finished('ada', '0 of 2 points')
    expect(text()).toBe('ada: echo failed (1 of 2)\nada: 0 of 2 points\nclass: 1 of 1 submissions graded\n')
  })
})
