import { setTimeout as delay } from 'node:timers/promises'

/** Waits until `at` (performance.now() time); ends early, quietly, when the connection goes (`signal`). */
export async function waitUntil(at: number, signal: AbortSignal): Promise<void> {
  const ms = at - performance.now()
  if (ms <= 0 || signal.aborted) return
  await delay(ms, undefined, { signal, ref: false }).catch(() => undefined)
}
