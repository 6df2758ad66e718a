import type { ScenarioResult } from '../scenario-result.js'
import { bundleFiles, collapseRuns, diagramEntries, firstFailure, flatSteps as allSteps, participants, seconds, type DiagramEntry } from './report-data.js'
import { verdictText } from '../check-tally.js'

const ICON = { passed: '✅', failed: '❌', skipped: '⏭️' } as const
const EXCERPT_LINES = 40
/** A reply longer than this many lines is folded in the diagram (the rest is counted, not lost: see the log). */
const DIAGRAM_LINES = 20

/** Text in a table cell: HTML-escaped (so `<br>` is a line break, not text), with no cell-ending `|`. */
const cell = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '&#124;').replace(/\n/g, '<br>')
const code = (text: string): string => `<code>${cell(text)}</code>`

/**
 * A report for people: a summary table with each failure's reason, then per scenario its steps with
 * durations, a mermaid sequence diagram of what each client and the server said with the server's events
 * as notes, in the order they happened, and an excerpt of the server's log.
 */
export function markdownReport(results: readonly ScenarioResult[]): string {
  const out: string[] = ['# socklab scenario report', '']
  const passed = results.filter((r) => r.verdict === 'passed').length
  out.push(`${passed} of ${results.length} scenarios passed on **${results[0]?.target ?? '?'}** (${new Date().toISOString()}).`, '')
  const failures = results.flatMap((r) => {
    const why = firstFailure(r)
    return r.verdict === 'failed' && why ? [`- **[${r.name}](#${r.name})**: ${cell(why)}`] : []
  })
  if (failures.length > 0) out.push('## Failures', '', ...failures, '')
  out.push('| scenario | result | duration | steps | why |', '|---|---|---|---|---|')
  for (const r of results) {
    const why = r.verdict === 'failed' ? (firstFailure(r) ?? '') : (r.skipped ?? '')
    out.push(`| [${r.name}](#${r.name}) | ${ICON[r.verdict]} ${verdictText(r)} | ${seconds(r.durationMs)} | ${allSteps(r.steps).length} | ${cell(why)} |`)
  }
  for (const r of results) out.push('', ...scenarioSection(r))
  return `${out.join('\n')}\n`
}

function scenarioSection(r: ScenarioResult): string[] {
  const out = [`## ${r.name}`, '', `${ICON[r.verdict]} **${verdictText(r)}** in ${seconds(r.durationMs)} on ${r.target} — \`${r.file}\``, '']
  if (r.description) out.push(`> ${r.description.trim()}`, '')
  if (r.error) out.push(`**Error:** ${r.error}`, '')
  if (r.skipped) out.push(`**Skipped:** ${r.skipped}`, '')
  out.push('| # | step | line | result | duration | notes |', '|---|---|---|---|---|---|')
  allSteps(r.steps).forEach((s, i) => {
    const during = r.steps.includes(s) ? '' : '↳ '
    const notes = [
      s.reason ? cell(s.reason) : '',
      s.expected !== undefined ? `expected: ${code(s.expected)}` : '',
      s.actual !== undefined ? `actual: ${code(s.actual)}` : '',
    ].filter(Boolean)
    out.push(`| ${i + 1} | ${during}${cell(s.label)} | ${s.line} | ${ICON[s.verdict]} | ${seconds(s.durationMs)} | ${notes.join('<br>')} |`)
  })
  out.push('')
  if (r.messages.length > 0) out.push('### Messages', '', '```mermaid', ...sequenceDiagram(collapseRuns(diagramEntries(r))), '```', '')
  if (r.serverLog.length > 0) {
    const lines = r.serverLog.slice(-EXCERPT_LINES).map(logLine)
    const cut = r.serverLog.length > EXCERPT_LINES ? ` (last ${EXCERPT_LINES} of ${r.serverLog.length})` : ''
    out.push(`### Server log${cut}`, '', '```', ...lines, '```', '')
  }
  if (bundleFiles(r).length > 0) out.push(r.bundle ? '### Failure bundle' : '### Logs kept', '', ...(r.bundle && !r.bundle.capture ? [`- no capture: ${r.bundle.captureNote}`] : []), ...bundleFiles(r).map((a) => `- \`${a}\``), '')
  return out
}

/**
 * Text as mermaid shows it in a message or note: what its syntax reserves written as its entity codes
 * (`#59;` for `;`, `#35;` for `#`, …), line breaks as `<br/>`, and nothing cut but the lines of a reply
 * past DIAGRAM_LINES (counted, so nothing vanishes unsaid).
 */
function diagramText(text: string): string {
  const lines = text.split('\n')
  const shown = lines.length > DIAGRAM_LINES ? [...lines.slice(0, DIAGRAM_LINES), `… ${lines.length - DIAGRAM_LINES} more lines`] : lines
  const escaped = shown.map((line) =>
    line.replace(/[#;<>"&{}]/g, (char) => `#${char.charCodeAt(0)};`).replace(/\s+$/, ''),
  )
  return escaped.join('<br/>') || '(empty)'
}

/** A run's sequence diagram in Mermaid (lines, no fence), or nothing when no one said anything. */
export function mermaidSequence(r: ScenarioResult): string[] | undefined {
  return r.messages.length > 0 ? sequenceDiagram(collapseRuns(diagramEntries(r))) : undefined
}

/**
 * Mermaid's sequence diagram: each arrow one message, whole, and the server's events as notes over the
 * server, in the order they happened. Participants get safe ids (`p1`) and are shown by name, so a client
 * called `end` or `loop` cannot break the syntax.
 */
function sequenceDiagram(entries: readonly DiagramEntry[]): string[] {
  const names = participants(entries)
  const id = new Map(names.map((name, i) => [name, i === 0 ? 'server' : `p${i}`]))
  const lines = entries.map((e) =>
    e.kind === 'message'
      ? `    ${id.get(e.from)}${e.from === 'server' ? '-->>' : '->>'}${id.get(e.to)}: ${diagramText(e.text)}`
      : e.kind === 'note'
        ? `    Note over ${id.get(e.over)}: ${diagramText(e.text)}`
        : `    Note over server: ${diagramText(`${e.event}: ${e.text}`)}`,
  )
  return ['sequenceDiagram', ...names.map((name) => `    participant ${id.get(name)} as ${diagramText(name)}`), ...lines]
}

function logLine(json: string): string {
  try {
    const event = JSON.parse(json) as { time?: string; event?: string; msg?: string }
    return `${event.time?.slice(11, 23) ?? ''} ${String(event.event ?? '').padEnd(19)} ${event.msg ?? ''}`
  } catch {
    return json
  }
}
