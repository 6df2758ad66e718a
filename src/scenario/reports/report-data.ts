import type { ScenarioResult, StepResult } from '../scenario-result.js'

/** What every report derives from results the same way: steps in order, the first failure, the timeline. */

export const seconds = (ms: number): string => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`)

/** Every step, those run inside another included, in the order they appear. */
export const flatSteps = (steps: readonly StepResult[]): StepResult[] => steps.flatMap((s) => [s, ...flatSteps(s.children ?? [])])

/** The first step that failed, the innermost (a step inside a `parallel` rather than the `parallel`). */
export function failedStep(r: ScenarioResult): StepResult | undefined {
  const failed = flatSteps(r.steps).filter((s) => s.verdict === 'failed')
  return failed.find((s) => !s.children?.some((c) => c.verdict === 'failed')) ?? failed[0]
}

/** The first step that failed (the innermost), as one line: where, what, why, expected and actual. */
export function firstFailure(r: ScenarioResult): string | undefined {
  if (r.error) return r.error
  const step = failedStep(r)
  if (!step) return undefined
  const detail = step.expected !== undefined || step.actual !== undefined ? ` (expected ${step.expected ?? '?'}, got ${step.actual ?? '?'})` : ''
  return `line ${step.line}: ${step.label}: ${step.reason ?? 'failed'}${detail}`
}

/** One server log line, parsed (a line that is not JSON is kept as its text). */
export interface LoggedEvent {
  event: string
  msg: string
  /** Epoch ms, NaN when the line has no time. */
  atMs: number
  fields: Record<string, unknown>
}

export function parseLog(serverLog: readonly string[]): LoggedEvent[] {
  return serverLog.map((json) => {
    try {
      const fields = JSON.parse(json) as Record<string, unknown>
      const time = typeof fields.time === 'string' ? Date.parse(fields.time) : Number.NaN
      return { event: String(fields.event ?? ''), msg: String(fields.msg ?? ''), atMs: time, fields }
    } catch {
      return { event: '', msg: json, atMs: Number.NaN, fields: {} }
    }
  })
}

/** An entry of a scenario's sequence diagram: a message between a client and the server, or a server event. */
export type DiagramEntry =
  | { kind: 'message'; atMs: number; from: string; to: string; text: string }
  | { kind: 'event'; atMs: number; event: string; text: string }
  /** About one participant: its link's conditions, a milestone that fired. */
  | { kind: 'note'; atMs: number; over: string; text: string }

/** An entry of a scenario's timeline: the diagram's, and a captured packet around a failure (the failure bundle's). */
export type TimelineEntry = DiagramEntry | { kind: 'packet'; atMs: number; from: string; to: string; text: string }

/** A step of the scenario beginning (its verdict known from its result), for the timeline list. */
export interface StepEntry {
  kind: 'step'
  atMs: number
  label: string
  line: number
  verdict: StepResult['verdict']
  depth: number
}

/** The diagram's entries and, with a failure bundle, its packets around the failure, merged by time. */
export function timeline(r: ScenarioResult): TimelineEntry[] {
  const merged: TimelineEntry[] = diagramEntries(r)
  const captured = r.bundle?.packets ?? []
  if (captured.length === 0) return merged
  return [...merged, ...captured.map((p): TimelineEntry => ({ kind: 'packet', ...p }))].sort((a, b) => a.atMs - b.atMs)
}

/**
 * The messages and the server's events (all but `command`, which the client's message already shows) merged
 * by time; an event logged in the same millisecond as a message comes after it.
 */
export function diagramEntries(r: ScenarioResult): DiagramEntry[] {
  const notes = parseLog(r.serverLog)
    .filter((e) => e.event && e.event !== 'command' && !Number.isNaN(e.atMs))
    .map((e): DiagramEntry => ({ kind: 'event', atMs: e.atMs, event: e.event, text: e.msg }))
  const merged: DiagramEntry[] = []
  let n = 0
  for (const m of r.messages) {
    while (n < notes.length && notes[n]!.atMs < m.atMs) merged.push(notes[n++]!)
    merged.push(m.from === m.to ? { kind: 'note', atMs: m.atMs, over: m.from, text: m.text } : { kind: 'message', atMs: m.atMs, from: m.from, to: m.to, text: m.text })
  }
  while (n < notes.length) merged.push(notes[n++]!)
  return merged
}

/**
 * The timeline with the steps in it too: each step where it began, among the messages and events it
 * caused (a step that began in the same millisecond as a message comes first).
 */
export function timelineWithSteps(r: ScenarioResult): Array<TimelineEntry | StepEntry> {
  const steps: StepEntry[] = []
  const visit = (list: readonly StepResult[], depth: number) => {
    for (const s of list) {
      if (s.startedAtMs !== undefined) steps.push({ kind: 'step', atMs: s.startedAtMs, label: s.label, line: s.line, verdict: s.verdict, depth })
      visit(s.children ?? [], depth + 1)
    }
  }
  visit(r.steps, 0)
  steps.sort((a, b) => a.atMs - b.atMs)
  const merged: Array<TimelineEntry | StepEntry> = []
  let n = 0
  for (const entry of timeline(r)) {
    while (n < steps.length && steps[n]!.atMs <= entry.atMs) merged.push(steps[n++]!)
    merged.push(entry)
  }
  return [...merged, ...steps.slice(n)]
}

/** The diagram's participants: the server first, then each client (or group) in the order it first speaks. */
export const participants = (entries: readonly DiagramEntry[]): string[] => [
  'server',
  ...new Set(entries.flatMap((e) => (e.kind === 'message' ? [e.from, e.to] : e.kind === 'note' ? [e.over] : [])).filter((p) => p !== 'server')),
]

/** Consecutive events of one name, this many or more, are drawn as one note. */
const RUN_LENGTH = 3

/**
 * The timeline for a diagram: a run of the same server event (47 rejections in a storm) becomes one note
 * that counts them and shows the first and last; the timeline itself keeps every entry.
 */
export function collapseRuns(entries: readonly DiagramEntry[]): DiagramEntry[] {
  const out: DiagramEntry[] = []
  for (let i = 0; i < entries.length; ) {
    const entry = entries[i]!
    let j = i + 1
    if (entry.kind === 'event') while (j < entries.length && entries[j]!.kind === 'event' && (entries[j] as { event: string }).event === entry.event) j += 1
    if (entry.kind === 'event' && j - i >= RUN_LENGTH) {
      const last = entries[j - 1]!
      out.push({ kind: 'event', atMs: entry.atMs, event: `${entry.event} × ${j - i}`, text: `first: ${entry.text}\nlast: ${last.text}` })
    } else out.push(...entries.slice(i, j))
    i = j
  }
  return out
}

/** Every file a failed scenario left: its bundle's capture, timeline and log slice, then the target's logs (transcripts, server log). */
export const bundleFiles = (r: ScenarioResult): string[] => [
  ...(r.bundle ? [r.bundle.capture, r.bundle.timeline, r.bundle.serverLogSlice].filter((f): f is string => f !== undefined) : []),
  ...r.artifacts,
]
