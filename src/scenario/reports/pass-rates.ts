import type { ScenarioResult, StepResult } from '../scenario-result.js'

export interface StepRate {
  line: number
  label: string
  failed: number
  runs: number
}

export interface ScenarioRate {
  name: string
  passed: number
  failed: number
  skipped: number
  runs: number
  /** Steps that failed in at least one run, in file order. */
  steps: StepRate[]
}

/** Per scenario over its runs (--repeat): how many passed, and which steps failed how often. */
export function passRates(results: readonly ScenarioResult[]): ScenarioRate[] {
  const rates = new Map<string, ScenarioRate>()
  for (const result of results) {
    const rate = rates.get(result.name) ?? { name: result.name, passed: 0, failed: 0, skipped: 0, runs: 0, steps: [] }
    rates.set(result.name, rate)
    rate.runs += 1
    rate[result.verdict] += 1
    const seen = new Set<string>()
    const visit = (steps: readonly StepResult[], prefix: string) => {
      for (const step of steps) {
        // A step is known by its line and place (steps made from one line, `connect: [a, b]`, differ by label).
        const key = `${prefix}${step.line}:${step.label}`
        if (step.verdict === 'failed' && !seen.has(key)) {
          seen.add(key)
          const known = rate.steps.find((s) => `${s.line}:${s.label}` === `${step.line}:${step.label}`)
          if (known) known.failed += 1
          else rate.steps.push({ line: step.line, label: step.label, failed: 1, runs: 0 })
        }
        if (step.children) visit(step.children, `${key}/`)
      }
    }
    visit(result.steps, '')
  }
  for (const rate of rates.values()) {
    for (const step of rate.steps) step.runs = rate.runs
    rate.steps.sort((a, b) => a.line - b.line)
  }
  return [...rates.values()]
}

const percent = (part: number, whole: number): string => `${whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10}%`

/** The pass-rate table printed after a --repeat run: each scenario, then each step that ever failed. */
export function passRateTable(results: readonly ScenarioResult[]): string {
  const rows = passRates(results)
  const width = Math.max(24, ...rows.map((r) => r.name.length + 2))
  const lines = [`\nPass rates over ${Math.max(...rows.map((r) => r.runs))} runs each:`, `  ${'scenario'.padEnd(width)} passed   failed   rate`]
  for (const rate of rows) {
    const skipped = rate.skipped > 0 ? `  (${rate.skipped} skipped)` : ''
    lines.push(`  ${rate.name.padEnd(width)} ${String(rate.passed).padStart(6)}   ${String(rate.failed).padStart(6)}   ${percent(rate.passed, rate.runs - rate.skipped)}${skipped}`)
    for (const step of rate.steps) lines.push(`    line ${step.line}: ${step.label} — failed ${step.failed} of ${step.runs} (${percent(step.runs - step.failed, step.runs)} pass)`)
  }
  return `${lines.join('\n')}\n`
}
