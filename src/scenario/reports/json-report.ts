import type { ScenarioResult } from '../scenario-result.js'
import { firstFailure, parseLog, timeline } from './report-data.js'
import { verdictText } from '../check-tally.js'

/** The JSON report's format, for programs that read it; raised when a field changes meaning or goes. */
export const JSON_REPORT_VERSION = 1

/**
 * The data of the other reports, for programs: every run with its steps (nested), its first failure, its
 * timeline (messages and server events merged by time) and the server's log as parsed events.
 */
export function jsonReport(results: readonly ScenarioResult[], createdAt = new Date()): string {
  const count = (verdict: string) => results.filter((r) => r.verdict === verdict).length
  const report = {
    format: 'socklab-scenario-report',
    version: JSON_REPORT_VERSION,
    createdAt: createdAt.toISOString(),
    target: results[0]?.target ?? null,
    summary: { runs: results.length, passed: count('passed'), failed: count('failed'), skipped: count('skipped') },
    scenarios: results.map((r) => ({
      ...r,
      /** `passed (4 of 6 checks; 2 skipped)` where checks were skipped; else the verdict. */
      result: verdictText(r),
      failure: r.verdict === 'failed' ? (firstFailure(r) ?? null) : null,
      timeline: timeline(r),
      serverLog: parseLog(r.serverLog).map((e) => (Object.keys(e.fields).length > 0 ? e.fields : { text: e.msg })),
    })),
  }
  return `${JSON.stringify(report, null, 2)}\n`
}
