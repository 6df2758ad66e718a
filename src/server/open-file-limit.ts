import { readFileSync } from 'node:fs'

/** Descriptors kept back from client connections: the served files, the log, the health socket. */
const RESERVE = 64

/**
 * How many connections the process can hold open: its soft open-file limit (Linux: /proc/self/limits) less
 * a reserve. Where the limit cannot be read, 1,024 less the reserve, the most common default.
 */
export function connectionsAllowedByFileLimit(limits = '/proc/self/limits'): number {
  let soft = 1024
  try {
    const line = readFileSync(limits, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'))
    const value = line?.split(/\s{2,}/)[1]
    if (value === 'unlimited') soft = 1_048_576
    else if (value && Number.isSafeInteger(Number(value))) soft = Number(value)
  } catch {
    // not Linux: the common default
  }
  return Math.max(soft - RESERVE, 1)
}
