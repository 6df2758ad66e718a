import { xml } from '../scenario/reports/sequence-svg.js'
import { gradeLine, type Grade } from './gradescope.js'

/** One graded submission as the class files know it (<out>/<submission>/grade.json). */
export interface GradedSubmission {
  grade: Grade
  /** Wall time of its whole suite. */
  seconds: number
  /** Where it ran: `docker (sandboxed)` or `local (unsandboxed)`. */
  where: string
  /** Its teacher's report, relative to the class report. */
  report: string
}

/** The score histogram's bins: tenths of the maximum (0–10 %, …, 90–100 %). */
const BINS = 10
/** How many of the slowest submissions the report lists. */
const SLOWEST = 5

const STYLE = `
:root { color-scheme: light; --ok: #146c2e; --bad: #b3261e; --ink: #1b1b1f; --soft: #5d5d66; --line: #d9d9e0; --bar: #3b4a8a; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); margin: 0 auto; padding: 1.5rem; max-width: 70rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; } h2 { margin-top: 2rem; border-bottom: 2px solid var(--line); }
a { color: #0b57d0; } a:focus-visible { outline: 3px solid #0b57d0; outline-offset: 2px; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; } th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f3f7; } td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.failed { color: var(--bad); font-weight: 600; } .passed { color: var(--ok); font-weight: 600; }
svg.histogram rect.bar { fill: var(--bar); } svg.histogram text { font: 12px system-ui, sans-serif; fill: var(--ink); }
.meter { display: inline-block; width: 8rem; height: .7rem; background: #eee; border: 1px solid var(--line); vertical-align: middle; }
.meter span { display: block; height: 100%; background: var(--ok); }
`

const percent = (part: number, whole: number): number => (whole === 0 ? 0 : Math.round((part / whole) * 100))

/** The scores as a bar chart of tenths of the maximum, drawn as SVG in the page (with the counts in words). */
export function scoreHistogram(grades: readonly Grade[]): string {
  const counts = new Array<number>(BINS).fill(0)
  for (const g of grades) counts[Math.min(BINS - 1, Math.floor((g.maxScore === 0 ? 0 : g.score / g.maxScore) * BINS))]! += 1
  const top = Math.max(1, ...counts)
  const width = 56
  const height = 160
  const bars = counts.map((n, i) => {
    const h = Math.round((n / top) * height)
    const label = `${i * 10}–${i === BINS - 1 ? 100 : i * 10 + 9} %`
    return `<g><rect class="bar" x="${i * width + 4}" y="${height - h + 20}" width="${width - 8}" height="${h}"><title>${label}: ${n}</title></rect><text x="${i * width + width / 2}" y="${height - h + 14}" text-anchor="middle">${n}</text><text x="${i * width + width / 2}" y="${height + 36}" text-anchor="middle">${i * 10}%</text></g>`
  })
  return `<svg class="histogram" role="img" aria-label="Score histogram: ${counts.map((n, i) => `${n} at ${i * 10}%`).join(', ')}" viewBox="0 0 ${BINS * width} ${height + 44}" width="${BINS * width}" height="${height + 44}">${bars.join('')}</svg>`
}

/**
 * The class at a glance, one self-contained page (no script, nothing fetched): the score histogram, each
 * test's pass rate across the class, the submissions that failed or could not be graded, the slowest, and
 * every submission with a link to its own report.
 */
export function classReport(graded: readonly GradedSubmission[], createdAt = new Date()): string {
  const grades = graded.map((g) => g.grade)
  const names = [...new Set(grades.flatMap((g) => g.tests.map((t) => t.name)))]
  const rates = names.map((name) => {
    const counted = grades.flatMap((g) => g.tests.filter((t) => t.name === name && !t.excluded))
    const passed = counted.filter((t) => t.status === 'passed').length
    const rate = percent(passed, counted.length)
    return `<tr><td>${xml(name)}</td><td class="num">${passed} of ${counted.length}</td><td><span class="meter" aria-hidden="true"><span style="width:${rate}%"></span></span> ${rate} %</td></tr>`
  })
  const link = (g: GradedSubmission) => `<a href="${xml(g.report)}">${xml(g.grade.submission)}</a>`
  const failing = graded.filter((g) => g.grade.notGraded || g.grade.score < g.grade.maxScore)
  const slowest = [...graded].sort((a, b) => b.seconds - a.seconds).slice(0, SLOWEST)
  const mean = grades.length === 0 ? 0 : grades.reduce((sum, g) => sum + percent(g.score, g.maxScore), 0) / grades.length
  const rows = [...graded]
    .sort((a, b) => a.grade.submission.localeCompare(b.grade.submission))
    .map((g) => `<tr><td>${link(g)}</td><td class="num">${g.grade.score} / ${g.grade.maxScore}</td><td class="${g.grade.notGraded ? 'failed' : ''}">${xml(gradeLine(g.grade))}</td><td class="num">${g.seconds.toFixed(1)} s</td><td>${xml(g.where)}</td></tr>`)
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>socklab class report: ${grades.length} submissions</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>socklab class report</h1>
<p><strong>${grades.length}</strong> submissions, mean score <strong>${Math.round(mean)} %</strong>, ${failing.length} below full marks · ${xml(createdAt.toISOString())}</p>
</header>
<main>
<h2 id="histogram">Scores</h2>
<figure>${scoreHistogram(grades)}<figcaption>Submissions per tenth of the maximum score.</figcaption></figure>
<h2 id="tests">Each test across the class</h2>
<table class="rates"><thead><tr><th scope="col">test</th><th scope="col">passed</th><th scope="col">pass rate</th></tr></thead><tbody>${rates.join('')}</tbody></table>
<h2 id="failing">Below full marks</h2>
${failing.length === 0 ? '<p>None.</p>' : `<ul>${failing.map((g) => `<li>${link(g)}: ${xml(gradeLine(g.grade))}${g.grade.tests.some((t) => t.status === 'failed') ? ` (failed: ${xml(g.grade.tests.filter((t) => t.status === 'failed').map((t) => t.name).join(', '))})` : ''}</li>`).join('')}</ul>`}
<h2 id="slowest">Slowest</h2>
<ol>${slowest.map((g) => `<li>${link(g)}: ${g.seconds.toFixed(1)} s</li>`).join('')}</ol>
<h2 id="all">Every submission</h2>
<table class="submissions"><thead><tr><th scope="col">submission</th><th scope="col">score</th><th scope="col">result</th><th scope="col">time</th><th scope="col">ran on</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>
</main>
</body>
</html>
`
}
