import { writeSync } from 'node:fs'

/**
 * Log lines to a file descriptor (standard output), batched: the lines of one turn of the event loop go out
 * in one write at its end (setImmediate), not one write per line on the path of every reply. Order is kept,
 * and a line is never later than the end of the turn that logged it, so anyone following the log (the
 * scenario runner, `docker logs`) sees each event as it happens. Lines still waiting when the process
 * exits — `process.exit()`, the end of work, or an uncaught exception — are written synchronously by the
 * 'exit' handler: nothing is lost on exit or crash.
 */
export class BatchedDestination {
  readonly #fd: number
  #lines: string[] = []
  #scheduled = false

  constructor(fd: number) {
    this.#fd = fd
    process.on('exit', () => this.flushSync())
  }

  /** pino's destination interface. */
  write(line: string): boolean {
    this.#lines.push(line)
    if (!this.#scheduled) {
      this.#scheduled = true
      setImmediate(() => this.flushSync())
    }
    return true
  }

  flushSync(): void {
    this.#scheduled = false
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
