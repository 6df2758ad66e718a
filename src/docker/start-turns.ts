/** Client containers started at once by default: measured on two cores, fifty took 16–23 s whatever the number. */
export const DEFAULT_CONTAINER_STARTS = 4

/**
 * Turns for starting containers: at most `size` at once. A container's process starting (Node, Python)
 * takes its share of the CPU; fifty at once on two cores each take ten seconds and more, one at a time a
 * fraction of a second, and the whole lot no longer.
 */
export class StartTurns {
  #running = 0
  readonly #waiting: Array<() => void> = []

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`container starts at once: a whole number of at least 1, not ${size}`)
  }

  /** Runs `task` in its turn: once fewer than `size` others are running. */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.#take(signal)
    try {
      return await task()
    } finally {
      this.#running -= 1
      this.#waiting.shift()?.()
    }
  }

  #take(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted()
    if (this.#running < this.size) {
      this.#running += 1
      return Promise.resolve()
    }
    return new Promise((resolve, reject) => {
      const turn = (): void => {
        signal?.removeEventListener('abort', abort)
        this.#running += 1
        resolve()
      }
      const abort = (): void => {
        this.#waiting.splice(this.#waiting.indexOf(turn), 1)
        reject(signal!.reason)
      }
      signal?.addEventListener('abort', abort, { once: true })
      this.#waiting.push(turn)
    })
  }
}
