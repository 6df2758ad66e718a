import { statfs } from 'node:fs/promises'
import type Dockerode from 'dockerode'
import { formatSize } from '../values/byte-size.js'
import { JsonLineReader } from '../events/json-lines.js'
import type { SandboxLimits } from './sandbox.js'

/**
 * What the engine saw a sandboxed server do against its limits, said as reasons: the kernel's OOM kills
 * (the engine's `oom` events: under an init process the container's own OOMKilled flag stays false when the
 * server, its child, is the one killed), its processes reaching the pids limit (the engine's stats, about
 * once a second, while it runs), and its writable folders filling up (read at each of those samples through
 * the host's view of its filesystem, where the engine runs on this machine). A flood of output is noted by
 * whoever reads the output.
 */
export class SandboxWatch {
  readonly #abort = new AbortController()
  readonly #crossed: string[] = []
  #ooms = 0
  #pidsPeak = 0
  /** The writable folders seen full (less than FULL_BELOW free) at some sample. */
  readonly #filled = new Set<WritableFolder>()

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

  /** Follows the container's process count and its folders' use while this start of it runs (call after each start). */
  followStats(pid?: number): void {
    // dockerode passes `abortSignal` on to the request; its types leave it out.
    const options = { stream: true, abortSignal: this.#abort.signal } as { stream: true }
    void this.container.stats(options).then(
      (readable) => {
        const reader = new JsonLineReader()
        readable.on('data', (chunk: Buffer) => {
          for (const { value } of reader.push(chunk.toString('utf8'))) {
            const current = (value as { pids_stats?: { current?: number } } | undefined)?.pids_stats?.current
            if (typeof current === 'number') this.#pidsPeak = Math.max(this.#pidsPeak, current)
            if (pid) void this.#sampleFolders(pid)
          }
        })
        readable.on('error', () => undefined)
      },
      () => undefined,
    )
  }

  async #sampleFolders(pid: number): Promise<void> {
    for (const folder of WRITABLE_FOLDERS) {
      if (this.#filled.has(folder)) continue
      // Unreadable where the engine runs elsewhere, and gone once the server has exited: nothing is said then.
      const stats = await statfs(`/proc/${pid}/root${folder}`).catch(() => undefined)
      if (stats && stats.blocks > 0 && stats.bavail * stats.bsize < FULL_BELOW) this.#filled.add(folder)
    }
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
    const folders = [...this.#filled].map((folder) => `${folder}: it filled its ${formatSize(this.limits.tmpfs)} (--tmpfs), so its next write there failed`)
    return [...this.#crossed, ...memory, ...pids, ...folders]
  }

  stop(): void {
    this.#abort.abort()
  }
}

/** The folders a sandboxed server may write to, each a tmpfs of the --tmpfs size. */
type WritableFolder = '/tmp' | '/dev/shm'
const WRITABLE_FOLDERS: readonly WritableFolder[] = ['/tmp', '/dev/shm']
/** A folder with less than this free is full: the next write of any size fails. */
const FULL_BELOW = 64 * 1024
