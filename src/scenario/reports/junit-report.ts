import type { ScenarioResult, StepResult } from '../scenario-result.js'
import { resolve } from 'node:path'
import { bundleFiles, timeline } from './report-data.js'
import { escapeXml } from '../../text/escape-xml.js'
import { verdictText } from '../check-tally.js'

const xml = escapeXml
// eslint-disable-next-line no-control-regex
const clean = (text: string): string => text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '?')
const secs = (ms: number): string => (ms / 1000).toFixed(3)

const flatten = (steps: readonly StepResult[]): StepResult[] => steps.flatMap((s) => [s, ...flatten(s.children ?? [])])

/** JUnit XML: one test case per scenario; a failure names the step, its line, and expected vs actual. */
export function junitReport(results: readonly ScenarioResult[]): string {
  const failures = results.filter((r) => r.verdict === 'failed').length
  const skipped = results.filter((r) => r.verdict === 'skipped').length
  const total = results.reduce((sum, r) => sum + r.durationMs, 0)
  const target = results[0]?.target ?? ''
  const cases = results.map((r) => {
    const steps = flatten(r.steps)
    const failed = steps.find((s) => s.verdict === 'failed' && !s.children)
    const log = steps.map((s) => `${s.verdict.padEnd(7)} line ${s.line}: ${s.label} (${s.durationMs} ms)${s.reason ? ` — ${s.reason}` : ''}`)
    // Each client's link conditions and every milestone that fired, with its time since the start.
    const start = r.messages[0]?.atMs ?? 0
    const notes = timeline(r).flatMap((e) => (e.kind === 'note' ? [`note    +${Math.round(e.atMs - start)} ms ${e.over}: ${e.text}`] : []))
    log.push(...notes)
    if (r.checks) log.unshift(`result  ${verdictText(r)}`)
    // Each bundle file as an attachment, in the form Jenkins' and GitLab's JUnit readers link (`[[ATTACHMENT|path]]`).
    log.push(...bundleFiles(r).map((file) => `[[ATTACHMENT|${resolve(file)}]]`))
    let body = `      <system-out>${xml(clean(log.join('\n')))}</system-out>\n`
    if (r.verdict === 'skipped') body = `      <skipped message="${xml(r.skipped ?? 'skipped')}"/>\n${body}`
    if (r.verdict === 'failed') {
      const message = failed ? `line ${failed.line}: ${failed.label}: ${failed.reason ?? 'failed'}` : (r.error ?? 'failed')
      const detail = failed ? `step: ${failed.label}\nfile: ${r.file}:${failed.line}\nexpected: ${failed.expected ?? ''}\nactual: ${failed.actual ?? ''}` : message
      const artifacts = bundleFiles(r).length ? `\nfailure bundle: ${bundleFiles(r).join(', ')}${r.bundle && !r.bundle.capture ? `\nno capture: ${r.bundle.captureNote}` : ''}` : ''
      body = `      <failure message="${xml(clean(message))}" type="ScenarioStepFailed">${xml(clean(detail + artifacts))}</failure>\n${body}`
    }
    return `    <testcase classname="socklab.scenarios.${xml(target)}" name="${xml(r.name)}" file="${xml(r.file)}" time="${secs(r.durationMs)}">\n${body}    </testcase>`
  })
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="socklab scenarios" tests="${results.length}" failures="${failures}" time="${secs(total)}">`,
    `  <testsuite name="socklab scenarios on ${xml(target)}" tests="${results.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${secs(total)}" timestamp="${new Date().toISOString()}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n')
}
