import { execFileSync } from 'node:child_process'
import { readFile, readdir } from 'node:fs/promises'

/** A process's resident memory now and at its peak, in MB, from /proc (Linux). */
export async function memoryOf(pid: number): Promise<{ rssMb: number; peakMb: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN)
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 }
}

export async function openFds(pid: number): Promise<number> {
  return (await readdir(`/proc/${pid}/fd`)).length
}

let ticksPerSecond: number | undefined

/** CPU time a process has used so far (user + system), in µs, from /proc (Linux; clock-tick resolution). */
export async function cpuTimeUs(pid: number): Promise<number> {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  // The fields after the command name (which may hold spaces), from its closing parenthesis: utime is the 12th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) / ticksPerSecond) * 1e6
}
