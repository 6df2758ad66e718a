import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'

/**
 * A file a group of clients shares (the demo's `--hold-until-rejected`): the one the server turns away as
 * full writes the time it was turned away; the admitted ones keep their slots until that time is at or after
 * their own connection, so a file left over from an earlier run is never taken for this run's.
 */
export async function announceRejection(file: string, atMs = Date.now()): Promise<void> {
  await mkdir(dirname(file), { recursive: true })
  const part = `${file}.${process.pid}.part`
  await writeFile(part, `${atMs}\n`)
  await rename(part, file)
}

/** Resolves once the file says a client was turned away at or after `sinceMs`, or when `signal` aborts. */
export async function rejectionAfter(file: string, sinceMs: number, signal: AbortSignal, everyMs = 100): Promise<boolean> {
  while (!signal.aborted) {
    const atMs = Number((await readFile(file, 'utf8').catch(() => '')).trim())
    if (Number.isFinite(atMs) && atMs >= sinceMs) return true
    await delay(everyMs, undefined, { signal }).catch(() => undefined)
  }
  return false
}
