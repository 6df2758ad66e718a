import type { Message, ScenarioResult, StepResult } from '../scenario-result.js'

const ICON = { passed: '✅', failed: '❌', skipped: '⏭️' } as const
const EXCERPT_LINES = 40

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, '<br>')
const seconds = (ms: number): string => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`)

/**
 * A report for people: a summary table, then per scenario its steps with durations, a mermaid sequence
 * diagram of what each client and the server said, and an excerpt of the server's log.
 */
export function markdownReport(results: readonly ScenarioResult[]): string {
  const out: string[] = ['# socklab scenario report', '']
  const passed = results.filter((r) => r.verdict === 'passed').length
  out.push(`${passed} of ${results.length} scenarios passed on **${results[0]?.target ?? '?'}** (${new Date().toISOString()}).`, '')
  out.push('| scenario | result | duration | steps |', '|---|---|---|---|')
  for (const r of results) {
    out.push(`| [${r.name}](#${r.name}) | ${ICON[r.verdict]} ${r.verdict} | ${seconds(r.durationMs)} | ${r.steps.length} |`)
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
  let n = 0
  const rows = (steps: readonly StepResult[], prefix: string) => {
    for (const s of steps) {
      n += 1
      const notes = [s.reason, s.expected !== undefined ? `expected: \`${s.expected}\`` : '', s.actual !== undefined ? `actual: \`${s.actual}\`` : '']
        .filter(Boolean)
        .join('<br>')
      out.push(`| ${n} | ${prefix}${cell(s.label)} | ${s.line} | ${ICON[s.verdict]} | ${seconds(s.durationMs)} | ${cell(notes)} |`)
      if (s.children) rows(s.children, '↳ ')
    }
  }
  rows(r.steps, '')
  out.push('')
  if (r.messages.length > 0) out.push('### Messages', '', '```mermaid', ...sequenceDiagram(r.messages), '```', '')
  if (r.serverLog.length > 0) {
    const lines = r.serverLog.slice(-EXCERPT_LINES).map(logLine)
    const cut = r.serverLog.length > EXCERPT_LINES ? ` (last ${EXCERPT_LINES} of ${r.serverLog.length})` : ''
    out.push(`### Server log${cut}`, '', '```', ...lines, '```', '')
  }
  if (r.artifacts.length > 0) out.push('### Logs kept', '', ...r.artifacts.map((a) => `- \`${a}\``), '')
  return out
}

/** Mermaid's sequence diagram; text is cut short and stripped of what its syntax reserves. */
export function sequenceDiagram(messages: readonly Message[]): string[] {
  const participants = ['server', ...new Set(messages.flatMap((m) => [m.from, m.to]).filter((p) => p !== 'server'))]
  const safe = (text: string) => {
    const flat = text.replace(/\n/g, ' ⏎ ').replace(/[;#:<>{}"]/g, ' ').replace(/\s+/g, ' ').trim()
    return flat.length > 60 ? `${flat.slice(0, 57)}…` : flat || '(empty)'
  }
  return [
    'sequenceDiagram',
    ...participants.map((p) => `    participant ${p}`),
    ...messages.map((m) => `    ${m.from}${m.from === 'server' ? '-->>' : '->>'}${m.to}: ${safe(m.text)}`),
  ]
}

function logLine(json: string): string {
  try {
    const event = JSON.parse(json) as { time?: string; event?: string; msg?: string }
    return `${event.time?.slice(11, 23) ?? ''} ${String(event.event ?? '').padEnd(19)} ${event.msg ?? ''}`
  } catch {
    return json
  }
}
