import type Dockerode from 'dockerode'
import { formatSize } from '../values/byte-size.js'
import { JsonLineReader } from '../events/json-lines.js'
import type { SandboxLimits } from './sandbox.js'

/**
 * What the engine saw a sandboxed server do against its limits, said as reasons: the kernel's OOM kills
 * (the engine's `oom` events: under an init process the container's own OOMKilled flag stays false when the
 * server, its child, is the one killed), and its processes reaching the pids limit (the engine's stats,
 * about once a second, while it runs). A flood of output is noted by whoever reads the output.
 */
export class SandboxWatch {
  readonly #abort = new AbortController()
  readonly #crossed: string[] = []
  #ooms = 0
  #pidsPeak = 0

  constructor(
    private readonly docker: Dockerode,
    private readonly container: Dockerode.Container,
    private readonly limits: SandboxLimits,
  ) {}

  /** Follows the engine's OOM events for the container (call once, before it first starts). */
  async watchEvents(): Promise<void> {
    await this.docker
      .getEvents({ filters: { type: ['container'], container: [this.container.id], event: ['oom'] }, abortSignal: this.#abort.signal } as Dockerode.GetEventsOptions)
      .then((stream) => {
        stream.on('data', () => (this.#ooms += 1))
        stream.on('error', () => undefined)
      }, () => undefined)
  }

  /** Follows the container's process count while this start of it runs (call after each start). */
  followStats(): void {
    // dockerode passes `abortSignal` on to the request; its types leave it out.
    const options = { stream: true, abortSignal: this.#abort.signal } as { stream: true }
    void this.container.stats(options).then(
      (readable) => {
        const reader = new JsonLineReader()
        readable.on('data', (chunk: Buffer) => {
          for (const { value } of reader.push(chunk.toString('utf8'))) {
            const current = (value as { pids_stats?: { current?: number } } | undefined)?.pids_stats?.current
            if (typeof current === 'number') this.#pidsPeak = Math.max(this.#pidsPeak, current)
          }
        })
        readable.on('error', () => undefined)
      },
      () => undefined,
    )
  }

  /** Something the reader of its output stopped it for. */
  note(reason: string): void {
    if (!this.#crossed.includes(reason)) this.#crossed.push(reason)
  }

  has(prefix: string): boolean {
    return this.#crossed.some((c) => c.startsWith(prefix))
  }

  async reasons(): Promise<string[]> {
    const state = await this.container.inspect().then((info) => info.State, () => undefined)
    const memory = state?.OOMKilled || this.#ooms > 0 ? [`memory: it used more than ${formatSize(this.limits.memory)} (--memory), and the kernel stopped it`] : []
    const pids = this.#pidsPeak >= this.limits.pids ? [`processes: it ran ${this.limits.pids} at once (--pids), the most it may, so its next fork failed`] : []
    return [...this.#crossed, ...memory, ...pids]
  }

  stop(): void {
    this.#abort.abort()
  }
}
