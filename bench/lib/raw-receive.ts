import { spawnSync } from 'node:child_process'

/**
 * Runs bench/raw/raw-receiver.mjs in a process of its own (so that this process does not compete with it):
 * `reps` receptions of `name` (`size` bytes) from `host:port`; returns each one's milliseconds.
 */
export function receive(host: string, port: number, name: string, size: number, reps: number, mode: 'raw' | 'bare' | 'framed', saveTo?: string): number[] {
  const script = new URL('../../bench/raw/raw-receiver.mjs', import.meta.url).pathname
  const args = [script, host, String(port), name, String(size), String(reps), mode, ...(saveTo ? [`save=${saveTo}`] : [])]
  const run = spawnSync(process.execPath, args, { encoding: 'utf8' })
  if (run.status !== 0) throw new Error(`raw receiver failed: ${run.stderr}`)
  return (JSON.parse(run.stdout) as { ms: number[] }).ms
}
