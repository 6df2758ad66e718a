/**
 * What the shipped scenarios give against the original Python server, on either target (docs/compatibility.md):
 * it passes every scenario of the assignment it can run, fails only those of socklab's own extensions (tagged
 * socklab: path refusals, the history of disconnected clients in `status`), and is skipped where a scenario
 * needs a setting it lacks (it always admits 3) or a client in framed mode.
 */
export const ORIGINAL_VERDICTS = {
  'abrupt-disconnect': 'skipped',
  'binary-get': 'passed',
  'blackhole-mid-get': 'skipped',
  'concurrent-gets': 'passed',
  crowd: 'passed',
  echo: 'passed',
  'four-client-overflow': 'passed',
  'kill-mid-get': 'skipped',
  'laggy-status': 'passed',
  'limit-data-get': 'skipped',
  list: 'passed',
  'network-partition': 'skipped',
  'path-escape-refused': 'failed',
  'reconnect-names': 'passed',
  'reset-mid-get': 'skipped',
  'server-restart': 'passed',
  'sliced-replies': 'skipped',
  'slot-reuse': 'passed',
  'slow-link-get': 'passed',
  status: 'passed',
  'status-history': 'failed',
} as const

/** What went differently, for a failed comparison: each scenario whose verdict is not the expected one, with its steps' reasons. */
export function whyNot(results: ReadonlyArray<{ name: string; verdict: string; error?: string; steps: ReadonlyArray<{ label: string; verdict: string; reason?: string }> }>): string {
  const expected: Record<string, string> = ORIGINAL_VERDICTS
  return results
    .filter((r) => expected[r.name] !== r.verdict)
    .map((r) => `${r.name}: ${r.verdict}${r.error ? ` (${r.error})` : ''}\n${r.steps.filter((s) => s.verdict !== 'passed').map((s) => `  ${s.label}: ${s.verdict}: ${s.reason ?? ''}`).join('\n')}`)
    .join('\n')
}
