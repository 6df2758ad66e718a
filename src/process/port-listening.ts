import { readFile } from 'node:fs/promises'
import { setTimeout as delay } from 'node:timers/promises'

const TABLES = ['tcp', 'tcp6']
const LISTEN = '0A'

/**
 * Whether a socket listens on `port`, read from the kernel's tables (Linux; `tables` is /proc/<pid>/net for
 * another network namespace, a container's) without
 * connecting: a connection would take one of the server's client slots and a client name (the original
 * counts every connection as a client). Undefined where the tables cannot be read.
 */
export async function portListening(port: number, tables = '/proc/net'): Promise<boolean | undefined> {
  const hex = port.toString(16).toUpperCase().padStart(4, '0')
  let readable = false
  for (const table of TABLES) {
    const text = await readFile(`${tables}/${table}`, 'utf8').catch(() => undefined)
    if (text === undefined) continue
    readable = true
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/)
      if (state === LISTEN && local?.endsWith(`:${hex}`)) return true
    }
  }
  return readable ? false : undefined
}

/**
 * Resolves once the port listens (polled every 50 ms); never where the tables cannot be read, so that it is
 * raced with a server's own listening line. Rejects with the signal's reason when it aborts first.
 */
export async function whenListening(port: number, signal: AbortSignal, tables = '/proc/net'): Promise<void> {
  while (!signal.aborted) {
    const found = await portListening(port, tables)
    if (found === undefined) return new Promise(() => undefined)
    if (found) return
    await delay(50, undefined, { signal }).catch(() => undefined)
  }
  throw signal.reason
}
