import { readdir, readFile } from 'node:fs/promises'

/** What a process holds: its open descriptors and its resident memory. */
export interface ProcessUsage {
  descriptors: number
  rssBytes: number
}

/**
 * A process's usage as this machine's kernel shows it (/proc), or undefined where it cannot be read (not
 * Linux, the process gone, or another user's without the rights).
 */
export async function processUsage(pid: number): Promise<ProcessUsage | undefined> {
  try {
    const [fds, status] = await Promise.all([readdir(`/proc/${pid}/fd`), readFile(`/proc/${pid}/status`, 'utf8')])
    const rss = /^VmRSS:\s+(\d+) kB$/m.exec(status)
    return { descriptors: fds.length, rssBytes: rss ? Number(rss[1]) * 1024 : 0 }
  } catch {
    return undefined
  }
}

/** The first child of a process (the server under an init process), or undefined. */
export async function firstChild(pid: number): Promise<number | undefined> {
  const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '')
  const first = children.trim().split(/\s+/)[0]
  return first ? Number(first) : undefined
}
