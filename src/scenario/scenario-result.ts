/** What running a scenario produced: per step a verdict, the messages exchanged, and the server's log. */
export type Verdict = 'passed' | 'failed' | 'skipped'

export interface StepResult {
  label: string
  line: number
  verdict: Verdict
  durationMs: number
  /** When it started (epoch ms), to place it in the timeline; absent for steps that did not run. */
  startedAtMs?: number
  /** The step checks the server under test (absent when it only sets the stage). */
  check?: true
  /** The step sets the conditions the scenario is about (a link, the network, a server restart). */
  stage?: true
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

export interface CheckTally {
  total: number
  passed: number
  skipped: number
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
  /** What a failure (or `--capture always`) left beside the report: capture, log slice, timeline. */
  bundle?: FailureBundle
  /** A failure outside any step (the target could not be prepared). */
  error?: string
  /** Set when the target itself cannot be used (nothing answers at a remote server's address). */
  unavailable?: string
  /** How many of its steps check the server, and how many of those passed and were skipped. */
  checks?: CheckTally
  /** The server under test did not start (what was run and waited for, its last lines): the suite tries it no more. */
  serverDidNotStart?: string
  /** What the server under test did that its sandbox stopped (`socklab grade`): each fails the scenario. */
  limitsCrossed?: string[]
  /** Why the whole scenario was skipped (it does not run on this target). */
  skipped?: string
  /** The server under test, when it is not socklab's own (`original`, a spec's name). */
  server?: string
  /** Which run of the scenario this was, with `--repeat` (1-based). */
  round?: number
}

/**
 * A scenario that did not run, as a failed result saying why (`error`): a file that could not be read, a
 * server that did not start for an earlier one, an interrupt or a wall time that came first.
 */
export function unrunResult(scenario: Pick<ScenarioResult, 'name' | 'description' | 'file'>, target: string, error: string, more: Partial<ScenarioResult> = {}): ScenarioResult {
  return { name: scenario.name, description: scenario.description, file: scenario.file, target, verdict: 'failed', durationMs: 0, steps: [], messages: [], serverLog: [], artifacts: [], error, ...more }
}

/** One packet as the timeline shows it: who to whom (`server` for the server's address), its flags and payload. */
export interface PacketEntry {
  atMs: number
  from: string
  to: string
  text: string
}

/**
 * What a failed scenario (or, with `--capture always`, any scenario) leaves beside its report, in one
 * folder: the packet capture, each client's transcript and the server's log (the target's logs), the slice
 * of the server's log around the failure, and every step, message, server event and packet on one timeline.
 */
export interface FailureBundle {
  dir: string
  /** The pcap (opens in Wireshark), when one was captured. */
  capture?: string
  /** What the capture holds (`loopback, tcp port 41234`), or why there is none. */
  captureNote: string
  /** How many TCP packets the capture holds. */
  packetsCaptured?: number
  /** The server's log lines from 2 s before the failing step to 1 s after it (failure-bundle's BEFORE_MS, AFTER_MS). */
  serverLogSlice?: string
  /** The timeline as text, one entry a line. */
  timeline: string
  /** The window of the failure (epoch ms), for the report. */
  window: { fromMs: number; toMs: number }
  /** The packets in that window (at most failure-bundle's PACKETS_SHOWN), merged into the report's timeline. */
  packets: PacketEntry[]
}
