import { writeSync } from 'node:fs'

/**
 * Log lines for a file descriptor (standard output), collected and written together by `flushSync()`: its
 * owner (deferred-emit.ts) writes a batch of events and then flushes once, so a batch is one write, not
 * one per line. Nothing is written until the owner flushes, at the latest in its 'exit' handler.
 */
export class BatchedDestination {
  readonly #fd: number
  #lines: string[] = []

  constructor(fd: number) {
    this.#fd = fd
  }

  /** pino's destination interface. */
  write(line: string): boolean {
    this.#lines.push(line)
    return true
  }

  flushSync(): void {
    if (this.#lines.length === 0) return
    const data = Buffer.from(this.#lines.join(''), 'utf8')
    this.#lines = []
    writeFully(this.#fd, data)
  }
}

/** Writes all of `data`, waiting out a full pipe (EAGAIN); a reader that went away (EPIPE) ends the log. */
function writeFully(fd: number, data: Buffer): void {
  let rest = data
  while (rest.length > 0) {
    try {
      rest = rest.subarray(writeSync(fd, rest))
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EPIPE') return
      if (code !== 'EAGAIN') throw error
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1)
    }
  }
}
