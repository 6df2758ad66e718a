import type { ScenarioResult, StepResult } from '../scenario-result.js'

const useColour = (stream: NodeJS.WritableStream): boolean => (stream as NodeJS.WriteStream).isTTY === true && !process.env.NO_COLOR
const MARK = { passed: '✓', failed: '✗', skipped: '–' } as const
const COLOUR = { passed: '\x1b[32m', failed: '\x1b[31m', skipped: '\x1b[33m' } as const

const seconds = (ms: number): string => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`)

/** Live progress on a stream: a line per step as it ends, a verdict per scenario, a summary at the end. */
export class ConsoleProgress {
  readonly #colour: boolean

  constructor(private readonly out: NodeJS.WritableStream) {
    this.#colour = useColour(out)
  }

  #paint(verdict: keyof typeof MARK, text: string): string {
    return this.#colour ? `${COLOUR[verdict]}${text}\x1b[0m` : text
  }

  scenarioStarted(name: string, target: string, description: string): void {
    this.out.write(`\n▶ ${name} on ${target}${description ? ` — ${description.trim()}` : ''}\n`)
  }

  step(result: StepResult, depth: number): void {
    const indent = '  '.repeat(depth + 1)
    const note = result.reason ? ` — ${result.reason}` : ''
    this.out.write(`${indent}${this.#paint(result.verdict, MARK[result.verdict])} ${result.label} (${seconds(result.durationMs)})${note}\n`)
    if (result.verdict === 'failed' && (result.expected !== undefined || result.actual !== undefined)) {
      // Multi-line values are quoted so that each stays on one line.
      const show = (value = '') => (value.includes('\n') ? JSON.stringify(value) : value)
      this.out.write(`${indent}    expected: ${show(result.expected)}\n${indent}    actual:   ${show(result.actual)}\n`)
    }
  }

  scenarioFinished(result: ScenarioResult): void {
    if (result.skipped) this.out.write(`  ${this.#paint('skipped', '–')} skipped: ${result.skipped}\n`)
    if (result.error) this.out.write(`  ${this.#paint('failed', '✗')} ${result.error}\n`)
    for (const artifact of result.artifacts) this.out.write(`  log kept: ${artifact}\n`)
    const mark = { passed: '✔', failed: '✘', skipped: '–' }[result.verdict]
    this.out.write(`${this.#paint(result.verdict, mark)} ${result.name} ${result.verdict} in ${seconds(result.durationMs)}\n`)
  }

  summary(results: readonly ScenarioResult[], wallMs: number): void {
    const count = (verdict: string) => results.filter((r) => r.verdict === verdict).length
    const steps = results.flatMap((r) => r.steps)
    const skippedSteps = steps.filter((s) => s.verdict === 'skipped').length
    this.out.write(`\nScenarios on ${results[0]?.target ?? '?'}: ${results.length} run in ${seconds(wallMs)}\n`)
    for (const r of results) this.out.write(`  ${this.#paint(r.verdict, MARK[r.verdict])} ${r.name.padEnd(24)} ${seconds(r.durationMs)}\n`)
    if (skippedSteps > 0) this.out.write(`  (${skippedSteps} steps skipped; see above for why)\n`)
    this.out.write(`${count('passed')} passed, ${count('failed')} failed${count('skipped') ? `, ${count('skipped')} skipped` : ''}\n`)
  }
}
