import type { Message, ScenarioResult, StepResult } from '../scenario-result.js'

const ICON = { passed: '✅', failed: '❌', skipped: '⏭️' } as const
const EXCERPT_LINES = 40
/** A reply longer than this many lines is folded in the diagram (the rest is counted, not lost: see the log). */
const DIAGRAM_LINES = 20

const seconds = (ms: number): string => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`)
/** Text in a table cell: HTML-escaped (so `<br>` is a line break, not text), with no cell-ending `|`. */
const cell = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '&#124;').replace(/\n/g, '<br>')
const code = (text: string): string => `<code>${cell(text)}</code>`

/** Every step, those run `during` another included, in the order they appear. */
const allSteps = (steps: readonly StepResult[]): StepResult[] => steps.flatMap((s) => [s, ...allSteps(s.children ?? [])])

/** The first step that failed, as one line: where, what, why, expected and actual. */
function firstFailure(r: ScenarioResult): string | undefined {
  if (r.error) return r.error
  const step = allSteps(r.steps).find((s) => s.verdict === 'failed')
  if (!step) return undefined
  const detail = step.expected !== undefined || step.actual !== undefined ? ` (expected ${step.expected ?? '?'}, got ${step.actual ?? '?'})` : ''
  return `line ${step.line}: ${step.label}: ${step.reason ?? 'failed'}${detail}`
}

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
    out.push(`| [${r.name}](#${r.name}) | ${ICON[r.verdict]} ${r.verdict} | ${seconds(r.durationMs)} | ${allSteps(r.steps).length} | ${cell(why)} |`)
  }
  for (const r of results) out.push('', ...scenarioSection(r))
  return `${out.join('\n')}\n`
}

function scenarioSection(r: ScenarioResult): string[] {
  const out = [`## ${r.name}`, '', `${ICON[r.verdict]} **${r.verdict}** in ${seconds(r.durationMs)} on ${r.target} — \`${r.file}\``, '']
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
  if (r.messages.length > 0) out.push('### Messages', '', '```mermaid', ...sequenceDiagram(r.messages, r.serverLog), '```', '')
  if (r.serverLog.length > 0) {
    const lines = r.serverLog.slice(-EXCERPT_LINES).map(logLine)
    const cut = r.serverLog.length > EXCERPT_LINES ? ` (last ${EXCERPT_LINES} of ${r.serverLog.length})` : ''
    out.push(`### Server log${cut}`, '', '```', ...lines, '```', '')
  }
  if (r.artifacts.length > 0) out.push('### Logs kept', '', ...r.artifacts.map((a) => `- \`${a}\``), '')
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

interface LoggedLine {
  event: string
  msg: string
  atMs: number
}

/** The events worth a note: all but `command`, which the client's arrow already shows. */
function serverNotes(serverLog: readonly string[]): LoggedLine[] {
  const out: LoggedLine[] = []
  for (const json of serverLog) {
    try {
      const event = JSON.parse(json) as { time?: string; event?: string; msg?: string }
      const atMs = event.time ? Date.parse(event.time) : Number.NaN
      if (!event.event || event.event === 'command' || Number.isNaN(atMs)) continue
      out.push({ event: event.event, msg: event.msg ?? '', atMs })
    } catch {
      // a line that is not an event is in the log excerpt, not the diagram
    }
  }
  return out
}

/**
 * Mermaid's sequence diagram: each arrow one message, whole, and the server's events as notes over the
 * server, merged by time (an event logged in the same millisecond as a message comes after it). Participants
 * get safe ids (`p1`) and are shown by name, so a client called `end` or `loop` cannot break the syntax.
 */
function sequenceDiagram(messages: readonly Message[], serverLog: readonly string[] = []): string[] {
  const names = ['server', ...new Set(messages.flatMap((m) => [m.from, m.to]).filter((p) => p !== 'server'))]
  const id = new Map(names.map((name, i) => [name, i === 0 ? 'server' : `p${i}`]))
  const arrows = messages.map((m) => ({
    atMs: m.atMs,
    line: `    ${id.get(m.from)}${m.from === 'server' ? '-->>' : '->>'}${id.get(m.to)}: ${diagramText(m.text)}`,
  }))
  const notes = serverNotes(serverLog).map((e) => ({ atMs: e.atMs, line: `    Note over server: ${diagramText(`${e.event}: ${e.msg}`)}` }))
  const merged: string[] = []
  let n = 0
  for (const arrow of arrows) {
    while (n < notes.length && notes[n]!.atMs < arrow.atMs) merged.push(notes[n++]!.line)
    merged.push(arrow.line)
  }
  while (n < notes.length) merged.push(notes[n++]!.line)
  return ['sequenceDiagram', ...names.map((name) => `    participant ${id.get(name)} as ${diagramText(name)}`), ...merged]
}

function logLine(json: string): string {
  try {
    const event = JSON.parse(json) as { time?: string; event?: string; msg?: string }
    return `${event.time?.slice(11, 23) ?? ''} ${String(event.event ?? '').padEnd(19)} ${event.msg ?? ''}`
  } catch {
    return json
  }
}
