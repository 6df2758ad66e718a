/**
 * A step's timeout, which stops while socklab's own setup runs (a client's container waiting for its turn
 * and starting): a step is timed on what the server under test does, never on how loaded the machine is, so
 * a submission graded alongside others scores as it does alone. The setup itself is bounded where it runs.
 */
export class StepClock {
  readonly #controller = new AbortController()
  #leftMs: number
  #since = performance.now()
  #timer: NodeJS.Timeout | undefined
  #outside = 0
  #setupSince = 0
  #setupMs = 0

  constructor(readonly timeoutMs: number) {
    this.#leftMs = timeoutMs
    this.#arm()
  }

  /** Aborts (a `TimeoutError`) once the step has run for `timeoutMs`, setup not counted. */
  get signal(): AbortSignal {
    return this.#controller.signal
  }

  get timedOut(): boolean {
    return this.#controller.signal.aborted
  }

  /** How long the step's clock stood still for setup. */
  get setupMs(): number {
    return Math.round(this.#setupMs + (this.#outside > 0 ? performance.now() - this.#setupSince : 0))
  }

  /** Awaits `work` with the clock stopped (several at once: stopped until the last one ends). */
  async outside<T>(work: Promise<T>): Promise<T> {
    if (this.timedOut) return work
    if (this.#outside++ === 0) this.#stop()
    try {
      return await work
    } finally {
      if (--this.#outside === 0) this.#restart()
    }
  }

  dispose(): void {
    clearTimeout(this.#timer)
  }

  #arm(): void {
    this.#since = performance.now()
    this.#timer = setTimeout(() => this.#controller.abort(new DOMException(`timed out after ${this.timeoutMs} ms`, 'TimeoutError')), this.#leftMs)
    this.#timer.unref()
  }

  #stop(): void {
    clearTimeout(this.#timer)
    this.#leftMs = Math.max(0, this.#leftMs - (performance.now() - this.#since))
    this.#setupSince = performance.now()
  }

  #restart(): void {
    this.#setupMs += performance.now() - this.#setupSince
    if (!this.timedOut) this.#arm()
  }
}

const clocks = new WeakMap<AbortSignal, StepClock>()

/** Ties a step's signal to its clock, for `outsideStepTime`. */
export function clockSignal(clock: StepClock, signal: AbortSignal): AbortSignal {
  clocks.set(signal, clock)
  return signal
}

/** Awaits socklab's own setup without counting it against the timeout of the step whose signal this is. */
export function outsideStepTime<T>(signal: AbortSignal, work: Promise<T>): Promise<T> {
  return clocks.get(signal)?.outside(work) ?? work
}
