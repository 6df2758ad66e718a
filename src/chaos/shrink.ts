import type { ChaosSchedule } from './chaos-schedule.js'

export interface Shrunk {
  schedule: ChaosSchedule
  /** Runs tried, the failing ones and the others. */
  runs: number
}

/**
 * The smallest schedule found that still fails the same way: whole runs of operations taken away, halving
 * (delta debugging), then the gaps, files' sizes and milestones made smaller, then the clients and files no
 * operation uses dropped. First of all, what came after the violating operation (`at`), and the checks after
 * the run, are tried away. `fails` runs a candidate; at most `budget` of them are run.
 */
export async function shrinkSchedule(schedule: ChaosSchedule, fails: (candidate: ChaosSchedule) => Promise<boolean>, budget: number, at?: number): Promise<Shrunk> {
  let best = tidy(schedule)
  let runs = 0
  const attempt = async (candidate: ChaosSchedule): Promise<boolean> => {
    if (runs >= budget) return false
    runs += 1
    if (!(await fails(candidate))) return false
    best = tidy(candidate)
    return true
  }
  if (at !== undefined && !(await attempt({ ...best, ops: best.ops.slice(0, at + 1), final: false }))) await attempt({ ...best, ops: best.ops.slice(0, at + 1) })
  for (let chunk = Math.ceil(best.ops.length / 2); chunk >= 1 && runs < budget; chunk = Math.floor(chunk / 2)) {
    for (let start = 0; start < best.ops.length && runs < budget; ) {
      const ops = [...best.ops.slice(0, start), ...best.ops.slice(start + chunk)]
      if (!(await attempt({ ...best, ops }))) start += chunk
    }
  }
  if (best.ops.some((op) => op.gapMs > 0)) await attempt({ ...best, ops: best.ops.map((op) => ({ ...op, gapMs: 0 })) })
  for (const file of best.files) {
    for (let size = Math.floor(file.size / 2); size >= 1 && runs < budget; size = Math.floor(size / 2)) {
      const files = best.files.map((f) => (f.name === file.name ? { ...f, size } : f))
      const ops = best.ops.map((op) => ((op.op === 'reset-mid-get' || op.op === 'close-mid-get') && op.file === file.name ? { ...op, after: Math.max(1, Math.min(op.after, Math.floor(size / 2))) } : op))
      if (!(await attempt({ ...best, files, ops }))) break
    }
  }
  for (let i = 0; i < best.ops.length && runs < budget; i += 1) {
    const op = best.ops[i]!
    if ((op.op !== 'reset-mid-get' && op.op !== 'close-mid-get') || op.after <= 1) continue
    await attempt({ ...best, ops: best.ops.map((o, j) => (j === i ? { ...op, after: Math.max(1, Math.floor(op.after / 2)) } : o)) })
  }
  return { schedule: best, runs }
}

/** Keeps only the clients and files that some operation uses, in their order. */
export function tidy(schedule: ChaosSchedule): ChaosSchedule {
  const clients = schedule.clients.filter((c) => schedule.ops.some((op) => 'client' in op && op.client === c))
  const files = schedule.files.filter((f) => schedule.ops.some((op) => 'file' in op && op.file === f.name))
  return { ...schedule, clients: clients.length > 0 ? clients : schedule.clients.slice(0, 1), files: files.length > 0 ? files : schedule.files.slice(0, 1) }
}
