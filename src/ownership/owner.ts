import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'

/**
 * Who made something that outlives a call (a container, a network, a temporary folder): the host, its
 * boot, the process and that process's start. A leftover may be swept only once its owner is gone, so
 * that a run never removes what another run still uses, nor a lab someone keeps up.
 */
export interface Owner {
  host: string
  boot: string
  pid: number
  /** The process's start, in clock ticks since boot (/proc/<pid>/stat): tells a reused pid apart. */
  start: string
}

export type OwnerState = 'alive' | 'gone' | 'unknown'

const readText = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

const bootId = (): string => readText('/proc/sys/kernel/random/boot_id')?.trim() ?? ''

/** Field 22 of /proc/<pid>/stat; the command name before it may hold spaces, so count after its `)`. */
function processStart(pid: number): string | undefined {
  const stat = readText(`/proc/${pid}/stat`)
  if (stat === undefined) return undefined
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
}

export function currentOwner(): Owner {
  return { host: hostname(), boot: bootId(), pid: process.pid, start: processStart(process.pid) ?? '' }
}

/** Whether an owner still runs: only this host's can be known; another host's are `unknown`, never swept. */
export function ownerState(owner: Owner): OwnerState {
  if (owner.host !== hostname()) return 'unknown'
  if (owner.boot && owner.boot !== bootId()) return 'gone'
  try {
    process.kill(owner.pid, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return 'gone'
  }
  const start = processStart(owner.pid)
  return start !== undefined && owner.start !== '' && start !== owner.start ? 'gone' : 'alive'
}

export const describeOwner = (owner: Owner): string => `pid ${owner.pid} on ${owner.host}`
