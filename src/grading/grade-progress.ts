import type { Writable } from 'node:stream'

const BAR_WIDTH = 20

/** `[########------------]` for `done` of `total`. */
export function bar(done: number, total: number): string {
  const filled = total === 0 ? BAR_WIDTH : Math.round((done / total) * BAR_WIDTH)
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`
}

/**
 * Where a class's grading is: a bar per submission being graded (its scenarios run) and one for the class
 * (submissions done). On a terminal the bars are redrawn in place; elsewhere (CI logs, a pipe) each
 * finished scenario and submission is a line of its own.
 */
export class GradeProgress {
  readonly #active = new Map<string, { done: number; total: number; last: string }>()
  #finished = 0
  #drawn = 0

  constructor(
    private readonly out: Writable & { isTTY?: boolean },
    private readonly total: number,
  ) {}

  get #live(): boolean {
    return this.out.isTTY === true
  }

  start(submission: string, scenarios: number): void {
    this.#active.set(submission, { done: 0, total: scenarios, last: 'starting' })
    this.#draw()
  }

  scenario(submission: string, name: string, verdict: string): void {
    const entry = this.#active.get(submission)
    if (!entry) return
    entry.done += 1
    entry.last = `${name} ${verdict}`
    if (!this.#live) this.out.write(`${submission}: ${name} ${verdict} (${entry.done} of ${entry.total})\n`)
    this.#draw()
  }

  /** A submission is graded: its line stays, above the bars. */
  finished(submission: string, line: string): void {
    this.#active.delete(submission)
    this.#finished += 1
    this.#clear()
    this.out.write(`${submission}: ${line}\n`)
    if (!this.#live) this.out.write(`class: ${this.#finished} of ${this.total} submissions graded\n`)
    this.#draw()
  }

  #clear(): void {
    if (!this.#live || this.#drawn === 0) return
    this.out.write(`\x1b[${this.#drawn}F\x1b[J`)
    this.#drawn = 0
  }

  #draw(): void {
    if (!this.#live) return
    this.#clear()
    const lines = [...this.#active].map(([name, e]) => `  ${bar(e.done, e.total)} ${name}: ${e.done} of ${e.total} (${e.last})`)
    lines.push(`${bar(this.#finished, this.total)} class: ${this.#finished} of ${this.total} submissions graded`)
    // A terminal that does not say its size (0 columns, as under `script` or some CI terminals) gets 100.
    const columns = (this.out as { columns?: number }).columns ?? 0
    const width = columns > 0 ? columns : 100
    this.out.write(`${lines.map((l) => (l.length > width - 1 ? `${l.slice(0, width - 2)}…` : l)).join('\n')}\n`)
    this.#drawn = lines.length
  }
}
