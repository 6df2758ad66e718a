/** What running a scenario produced: per step a verdict, the messages exchanged, and the server's log. */
export type Verdict = 'passed' | 'failed' | 'skipped'

export interface StepResult {
  label: string
  line: number
  verdict: Verdict
  durationMs: number
  /** When it started (epoch ms), to place it in the timeline; absent for steps that did not run. */
  startedAtMs?: number
  /** Why a step failed or was skipped. */
  reason?: string
  expected?: string
  actual?: string
  children?: StepResult[]
  /** How many times a step with `retry:` was tried (absent when once). */
  attempts?: number
}

/** One arrow of the sequence diagram. */
export interface Message {
  from: string
  to: string
  text: string
  /** When it happened (epoch ms), to place it among the server's events. */
  atMs: number
}

export interface ScenarioResult {
  name: string
  description: string
  file: string
  target: string
  verdict: Verdict
  durationMs: number
  steps: StepResult[]
  messages: Message[]
  /** The server's log lines (JSON), where the target can read them. */
  serverLog: string[]
  /** Logs kept after a failure. */
  artifacts: string[]
  /** A failure outside any step (the target could not be prepared). */
  error?: string
  /** Set when the target itself cannot be used (nothing answers at a remote server's address). */
  unavailable?: string
  /** Why the whole scenario was skipped (it does not run on this target). */
  skipped?: string
  /** The server under test, when it is not socklab's own (`original`, a spec's name). */
  server?: string
  /** Which run of the scenario this was, with `--repeat` (1-based). */
  round?: number
}
