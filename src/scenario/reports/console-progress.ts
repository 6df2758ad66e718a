import { checksNote, verdictText } from '../check-tally.js'
import type { ScenarioResult, StepResult } from '../scenario-result.js'
import { plural } from '../../text/plural.js'

const useColour = (stream: NodeJS.WritableStream): boolean => (stream as NodeJS.WriteStream).isTTY === true && !process.env.NO_COLOR
const MARK = { passed: '✓', failed: '✗', skipped: '–' } as const
const COLOUR = { passed: '\x1b[32m', failed: '\x1b[31m', skipped: '\x1b[33m' } as const

export const seconds = (ms: number): string => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`)

/** How a run is named in progress and summaries: the scenario, and its round with --repeat. */
export const runName = (result: { name: string; round?: number; server?: string }): string =>
  `${result.name}${result.server ? ` @ ${result.server}` : ''}${result.round ? ` #${result.round}` : ''}`

/** What one run's progress hears: each step as it ends, and the run's end. */
export interface RunProgress {
  step(result: StepResult, depth: number): void
  finished(result: ScenarioResult): void
}

/** How much progress says: `quiet` a line per scenario, `normal` a line per step too, `verbose` also each scenario's description. */
export type Detail = 'quiet' | 'normal' | 'verbose'

/**
 * Live progress on a stream: a line per step as it ends, a verdict per scenario, a summary at the end. With
 * `grouped` (scenarios running at once), each run's lines are held and written together when it ends.
 */
export class ConsoleProgress {
  readonly #colour: boolean

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly grouped = false,
    private readonly detail: Detail = 'normal',
  ) {
    this.#colour = useColour(out)
  }

  #paint(verdict: keyof typeof MARK, text: string): string {
    return this.#colour ? `${COLOUR[verdict]}${text}\x1b[0m` : text
  }

  /** Progress for one run, written as it goes, or (grouped) held until it ends. */
  run(name: string, target: string, description: string): RunProgress {
    const held: string[] = []
    const write = this.grouped ? (text: string) => held.push(text) : (text: string) => this.out.write(text)
    if (this.detail === 'quiet') return { step: () => undefined, finished: (result) => this.out.write(this.#verdictLine(result)) }
    const about = this.detail === 'verbose' && description ? ` — ${description.trim()}` : ''
    write(`\n▶ ${name} on ${target}${about}\n`)
    return {
      step: (result, depth) => write(this.#stepLines(result, depth)),
      finished: (result) => {
        write(this.#finishedLines(result))
        if (this.grouped) this.out.write(held.join(''))
      },
    }
  }

  #stepLines(result: StepResult, depth: number): string {
    const indent = '  '.repeat(depth + 1)
    const note = result.reason ? ` — ${result.reason}` : ''
    let text = `${indent}${this.#paint(result.verdict, MARK[result.verdict])} ${result.label} (${seconds(result.durationMs)})${note}\n`
    if (result.verdict === 'failed' && (result.expected !== undefined || result.actual !== undefined)) {
      // Multi-line values are quoted so that each stays on one line.
      const show = (value = '') => (value.includes('\n') ? JSON.stringify(value) : value)
      text += `${indent}    expected: ${show(result.expected)}\n${indent}    actual:   ${show(result.actual)}\n`
    }
    return text
  }

  #finishedLines(result: ScenarioResult): string {
    let text = ''
    if (result.skipped) text += `  ${this.#paint('skipped', '–')} skipped: ${result.skipped}\n`
    if (result.error) text += result.error.split('\n').map((line) => `  ${this.#paint('failed', '✗')} ${line}\n`).join('')
    if (result.bundle) {
      const b = result.bundle
      text += `  failure bundle: ${b.dir}/\n`
      text += b.capture ? `    capture.pcap: ${b.packetsCaptured} TCP packets (${b.captureNote})\n` : `    no capture: ${b.captureNote}\n`
      text += `    timeline.txt: steps, messages, server events and packets on one timeline\n`
    }
    for (const artifact of result.artifacts) text += `  log kept: ${artifact}\n`
    return `${text}${this.#verdictLine(result)}`
  }

  #verdictLine(result: ScenarioResult): string {
    const mark = { passed: '✔', failed: '✘', skipped: '–' }[result.verdict]
    const why = this.detail === 'quiet' && result.verdict === 'skipped' && result.skipped ? ` (${result.skipped})` : ''
    return `${this.#paint(result.verdict, mark)} ${runName(result)} ${verdictText(result)} in ${seconds(result.durationMs)}${why}\n`
  }

  summary(results: readonly ScenarioResult[], wallMs: number, notRun = 0): void {
    const count = (verdict: string) => results.filter((r) => r.verdict === verdict).length
    this.out.write(`\nScenarios on ${results[0]?.target ?? '?'}: ${results.length} run in ${seconds(wallMs)}\n`)
    if (this.detail !== 'quiet') {
      for (const r of results) {
        const note = checksNote(r)
        const checks = note ? `  ${note}` : ''
        this.out.write(`  ${this.#paint(r.verdict, MARK[r.verdict])} ${runName(r).padEnd(24)} ${seconds(r.durationMs).padStart(8)}${checks}\n`)
      }
    }
    const skippedChecks = results.reduce((n, r) => n + (r.verdict === 'passed' ? (r.checks?.skipped ?? 0) : 0), 0)
    if (skippedChecks > 0) this.out.write(`  (${plural(skippedChecks, 'check')} skipped in passed scenarios${this.detail === 'quiet' ? '; run without --quiet to see why' : '; the reasons are above'})\n`)
    const stopped = notRun > 0 ? `, ${notRun} not run (--bail)` : ''
    this.out.write(`${count('passed')} passed, ${count('failed')} failed${count('skipped') ? `, ${count('skipped')} skipped` : ''}${stopped}\n`)
  }
}
