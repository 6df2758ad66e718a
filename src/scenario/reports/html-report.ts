import { relative, resolve, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { ScenarioResult, StepResult } from '../scenario-result.js'
import { runName } from './console-progress.js'
import { collapseRuns, diagramEntries, firstFailure, flatSteps, parseLog, seconds, timelineWithSteps, type StepEntry, type TimelineEntry } from './report-data.js'
import { sequenceSvg, xml } from './sequence-svg.js'
import { checksNote } from '../check-tally.js'

/**
 * One HTML file that needs nothing else: styles inline, the diagrams drawn as SVG in the page, no script,
 * and a content security policy that forbids every fetch, so it opens the same offline, from CI artifacts or
 * a mail attachment. Failures and their reasons come first; each verdict is said in words as well as colour.
 */

const VERDICT = { passed: '✔ passed', failed: '✘ failed', skipped: '– skipped' } as const
/** A text longer than this many lines is folded (its first line stays visible). */
const FOLD_LINES = 6
/** The last lines of the server's log shown per scenario. */
const LOG_LINES = 200

const STYLE = `
:root { color-scheme: light; --ok: #146c2e; --bad: #b3261e; --skip: #7a5a00; --ink: #1b1b1f; --soft: #5d5d66; --line: #d9d9e0; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); margin: 0 auto; padding: 1.5rem; max-width: 78rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; } h2 { margin-top: 2.5rem; border-bottom: 2px solid var(--line); } h3 { margin-top: 1.5rem; }
a { color: #0b57d0; } a:focus-visible, summary:focus-visible { outline: 3px solid #0b57d0; outline-offset: 2px; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; } th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f3f7; } td.num { text-align: right; white-space: nowrap; }
.passed { color: var(--ok); font-weight: 600; } .failed { color: var(--bad); font-weight: 600; } .skipped { color: var(--skip); font-weight: 600; }
.failures { border: 2px solid var(--bad); border-radius: 6px; padding: .5rem 1rem; background: #fdf3f2; }
.reason { white-space: pre-wrap; }
pre { background: #f6f6f9; border: 1px solid var(--line); border-radius: 4px; padding: .4rem .6rem; margin: .2rem 0; white-space: pre-wrap; word-break: break-word; font: 13px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
.nested td.step { padding-left: calc(.5rem + var(--depth) * 1.2rem); }
.timeline { list-style: none; padding: 0; } .timeline li { display: grid; grid-template-columns: 6rem 12rem 1fr; gap: .5rem; border-bottom: 1px solid var(--line); padding: .2rem 0; }
.timeline li.step { background: #f3f3f7; } .timeline li.packet { color: var(--soft); font-size: 13px; } .timeline .at { color: var(--soft); text-align: right; font-variant-numeric: tabular-nums; } .timeline .event { font-style: italic; }
figure { overflow-x: auto; margin: .5rem 0; border: 1px solid var(--line); border-radius: 6px; padding: .5rem; }
svg.sequence { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; }
svg.sequence .participant rect { fill: #eef1fb; stroke: #3b4a8a; } svg.sequence .lifeline { stroke: #9aa0b5; stroke-dasharray: 4 4; }
svg.sequence .message line { stroke: #1b1b1f; stroke-width: 1.3; } svg.sequence marker path { fill: #1b1b1f; }

.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
svg.sequence .note rect { fill: #fff6d6; stroke: #b08d00; } svg.sequence .client-note rect { fill: #e6f0fb; stroke: #3b6ea8; } svg.sequence text { fill: #1b1b1f; }
`

const verdict = (v: keyof typeof VERDICT, r?: ScenarioResult): string => `<span class="${v}">${VERDICT[v]}${r && checksNote(r) ? ` ${checksNote(r)}` : ''}</span>`
const anchor = (r: ScenarioResult, i: number): string => `s${i + 1}-${r.name.replace(/[^a-z0-9_-]/gi, '-')}`

/** Text shown whole; folded behind its first line when long. */
function folded(text: string): string {
  const lines = text.split('\n')
  if (lines.length <= FOLD_LINES) return `<pre>${xml(text)}</pre>`
  return `<details><summary><code>${xml(lines[0]!)}</code> … (${lines.length} lines)</summary><pre>${xml(text)}</pre></details>`
}

/** `dir`: the report's folder, which its links to failure bundles are relative to (absolute paths without it). */
export function htmlReport(results: readonly ScenarioResult[], { createdAt = new Date(), dir }: { createdAt?: Date; dir?: string } = {}): string {
  const count = (v: string) => results.filter((r) => r.verdict === v).length
  const target = results[0]?.target ?? '?'
  const failures = results.flatMap((r, i) => {
    const why = r.verdict === 'failed' ? firstFailure(r) : undefined
    return why ? [`<li><a href="#${anchor(r, i)}">${xml(runName(r))}</a>: <span class="reason">${xml(why)}</span></li>`] : []
  })
  const rows = results.map((r, i) => {
    const why = r.verdict === 'failed' ? (firstFailure(r) ?? '') : (r.skipped ?? '')
    return `<tr><td><a href="#${anchor(r, i)}">${xml(runName(r))}</a></td><td>${verdict(r.verdict, r)}</td><td class="num">${seconds(r.durationMs)}</td><td class="num">${flatSteps(r.steps).length}</td><td class="reason">${xml(why)}</td></tr>`
  })
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>socklab scenario report: ${count('passed')} of ${results.length} passed</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>socklab scenario report</h1>
<p><strong>${count('passed')} of ${results.length}</strong> scenario runs passed on <strong>${xml(target)}</strong>${count('failed') ? `, ${count('failed')} failed` : ''}${count('skipped') ? `, ${count('skipped')} skipped` : ''} · ${xml(createdAt.toISOString())}</p>
</header>
<main>
${failures.length > 0 ? `<section class="failures" aria-labelledby="failures"><h2 id="failures">Failures</h2><ul>${failures.join('')}</ul></section>` : ''}
<table class="summary"><caption class="visually-hidden">Every scenario run</caption>
<thead><tr><th scope="col">scenario</th><th scope="col">result</th><th scope="col">duration</th><th scope="col">steps</th><th scope="col">why</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>
${results.map((r, i) => scenarioSection(r, anchor(r, i), dir)).join('\n')}
</main>
</body>
</html>
`
}

function scenarioSection(r: ScenarioResult, id: string, dir: string | undefined): string {
  const entries = diagramEntries(r)
  const parts = [
    `<section id="${id}" aria-labelledby="${id}-h"><h2 id="${id}-h">${xml(runName(r))} — ${verdict(r.verdict, r)}</h2>`,
    `<p>${seconds(r.durationMs)} on ${xml(r.target)} · <code>${xml(r.file)}</code></p>`,
  ]
  if (r.description) parts.push(`<p>${xml(r.description.trim())}</p>`)
  if (r.error) parts.push(`<p class="failed">Error:</p>${folded(r.error)}`)
  if (r.skipped) parts.push(`<p class="skipped">Skipped: ${xml(r.skipped)}</p>`)
  if (r.steps.length > 0) {
    parts.push(
      '<h3>Steps</h3><table class="nested"><thead><tr><th scope="col">#</th><th scope="col">step</th><th scope="col">line</th><th scope="col">result</th><th scope="col">duration</th><th scope="col">notes</th></tr></thead><tbody>',
      ...stepRows(r.steps, 0, { n: 0 }),
      '</tbody></table>',
    )
  }
  if (entries.length > 0) {
    parts.push(`<h3>Sequence diagram</h3><figure>${sequenceSvg(collapseRuns(entries), `Sequence diagram of ${runName(r)}`, `${id}-svg`)}</figure>`)
    parts.push('<h3>Timeline</h3>', timelineList(timelineWithSteps(r)))
  }
  if (r.serverLog.length > 0) {
    const log = parseLog(r.serverLog.slice(-LOG_LINES)).map((e) => `${Number.isNaN(e.atMs) ? '' : new Date(e.atMs).toISOString().slice(11, 23)} ${e.event.padEnd(19)} ${e.msg}`)
    const cut = r.serverLog.length > LOG_LINES ? `, the last ${LOG_LINES} of ${r.serverLog.length}` : ''
    parts.push(`<details><summary>Server log (${r.serverLog.length} lines${cut})</summary><pre>${xml(log.join('\n'))}</pre></details>`)
  }
  if (r.artifacts.length > 0 || r.bundle) parts.push(bundleList(r, dir))
  parts.push('</section>')
  return parts.join('\n')
}

/**
 * The failure bundle's files, linked relative to the report (they sit beside it) and named in full: the
 * capture (it opens in Wireshark), the timeline, the log slice, each client's transcript and the server's log.
 */
function bundleList(r: ScenarioResult, dir: string | undefined): string {
  const link = (path: string, what: string) => `<li><a href="${xml(fileLink(path, dir))}">${xml(path.split('/').pop()!)}</a> — ${xml(what)} <code>${xml(path)}</code></li>`
  const b = r.bundle
  const items = [
    b?.capture ? link(b.capture, `the packet capture: ${b.packetsCaptured} TCP packets of ${b.captureNote} (opens in Wireshark)`) : b ? `<li>no capture: ${xml(b.captureNote)}</li>` : '',
    b ? link(b.timeline, 'every step, message, server event and packet on one timeline') : '',
    b?.serverLogSlice ? link(b.serverLogSlice, "the server's log around the failure") : '',
    ...r.artifacts.map((a) => link(a, /client-|program-/.test(a.split('/').pop()!) ? "a client's transcript" : 'a log of the run')),
  ]
  return `<h3>${b ? 'Failure bundle' : 'Logs kept'}</h3><ul>${items.join('')}</ul>`
}

/** A bundle file's link from the report: its path from the report's folder, or a file: URL where that is not known. */
const fileLink = (path: string, dir: string | undefined): string =>
  dir === undefined ? pathToFileURL(resolve(path)).href : relative(resolve(dir), resolve(path)).split(sep).map(encodeURIComponent).join('/')

function stepRows(steps: readonly StepResult[], depth: number, counter: { n: number }): string[] {
  return steps.flatMap((s) => {
    counter.n += 1
    const notes = [
      s.reason ? `<div class="reason">${xml(s.reason)}</div>` : '',
      s.attempts ? `<div>${s.attempts} attempts</div>` : '',
      s.expected !== undefined ? `<div>expected:</div>${folded(s.expected)}` : '',
      s.actual !== undefined ? `<div>actual:</div>${folded(s.actual)}` : '',
    ].join('')
    const row = `<tr><td class="num">${counter.n}</td><td class="step" style="--depth: ${depth}">${depth > 0 ? '↳ ' : ''}${xml(s.label)}</td><td class="num">${s.line}</td><td>${verdict(s.verdict)}</td><td class="num">${seconds(s.durationMs)}</td><td>${notes}</td></tr>`
    return [row, ...stepRows(s.children ?? [], depth + 1, counter)]
  })
}

function timelineList(entries: ReadonlyArray<TimelineEntry | StepEntry>): string {
  const start = entries[0]!.atMs
  const items = entries.map((e) => {
    const at = `+${Math.round(e.atMs - start)} ms`
    if (e.kind === 'message') return `<li><span class="at">${at}</span><span>${xml(e.from)} → ${xml(e.to)}</span><div>${folded(e.text)}</div></li>`
    if (e.kind === 'step') {
      return `<li class="step"><span class="at">${at}</span><span>step, line ${e.line}</span><div style="--depth: ${e.depth}">${'↳ '.repeat(e.depth ? 1 : 0)}<strong>${xml(e.label)}</strong> ${verdict(e.verdict)}</div></li>`
    }
    if (e.kind === 'packet') return `<li class="packet"><span class="at">${at}</span><span>packet ${xml(e.from)} → ${xml(e.to)}</span><div><code>${xml(e.text)}</code></div></li>`
    if (e.kind === 'note') return `<li class="event"><span class="at">${at}</span><span>about ${xml(e.over)}</span><div>${folded(e.text)}</div></li>`
    return `<li class="event"><span class="at">${at}</span><span>server event <strong>${xml(e.event)}</strong></span><div>${folded(e.text)}</div></li>`
  })
  return `<ol class="timeline">${items.join('')}</ol>`
}
