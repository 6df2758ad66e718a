import type { ChaosOutcome } from './chaos-run.js'
import type { ChaosSchedule } from './chaos-schedule.js'

/** How often a fault kind struck in a run, and in which of the moments that matter. */
export interface FaultCoverage {
  kind: string
  times: number
  midTransfer: number
  atConnect: number
  whileFull: number
  withClientsIn: number
}

/** What a run exercised: each fault kind that ran, and where it hit (a green run says what it covered). */
export function coverage(schedule: ChaosSchedule, outcome: ChaosOutcome): FaultCoverage[] {
  const ran = new Set(outcome.history.filter((h) => h.op !== undefined && (h.outcome === 'ok' || h.outcome === 'unknown')).map((h) => h.op!))
  const table = new Map<string, FaultCoverage>()
  const lastOf = new Map<string, string>()
  schedule.ops.forEach((op, i) => {
    const before = 'client' in op ? lastOf.get(op.client) : undefined
    if ('client' in op) lastOf.set(op.client, op.op)
    if (!ran.has(i)) return
    const kind = op.op === 'leave' ? (op.how === 'exit' ? undefined : op.how) : op.op === 'link' ? (op.fault === 'clear' ? undefined : op.fault) : op.op === 'reset-mid-get' || op.op === 'close-mid-get' || op.op === 'reset-on-reply' || op.op === 'blackhole' || op.op === 'restart' ? op.op : undefined
    if (!kind) return
    const row = table.get(kind) ?? { kind, times: 0, midTransfer: 0, atConnect: 0, whileFull: 0, withClientsIn: 0 }
    const context = outcome.context.get(i)
    row.times += 1
    if (op.op === 'reset-mid-get' || op.op === 'close-mid-get') row.midTransfer += 1
    if (before === 'connect') row.atConnect += 1
    if (context?.full) row.whileFull += 1
    if (op.op === 'restart' && (context?.connected ?? 0) > 0) row.withClientsIn += 1
    table.set(kind, row)
  })
  return [...table.values()].sort((a, b) => a.kind.localeCompare(b.kind))
}
