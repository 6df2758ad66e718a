import { availableParallelism, totalmem } from 'node:os'
import { DEFAULT_SANDBOX, type SandboxLimits } from '../docker/sandbox.js'
import { SocklabError } from '../errors/socklab-error.js'
import { parseSize } from '../values/byte-size.js'
import { parseDuration } from '../values/duration.js'

/** How long one submission may take, all its scenarios together, before what is left of it is not run. */
export const DEFAULT_WALL_TIME_MS = 10 * 60_000

/** `socklab grade`'s limits, resolved once from its options. */
export interface GradeLimits {
  sandbox: SandboxLimits
  wallTimeMs: number
  /** Submissions graded at once. */
  parallel: number
}

/**
 * How many submissions are graded at once when --parallel is not given: one per two CPUs (a submission's
 * scenario keeps a CPU busy with its server, and another with its client containers: a crowd of 50 on
 * two cores at once runs out of its step's time), and no more than half this machine's memory holds at
 * each one's memory limit.
 */
export function defaultParallel(memory: number): number {
  return Math.max(1, Math.min(Math.floor(availableParallelism() / 2), Math.floor(totalmem() / 2 / memory)))
}

/** The limits from `grade`'s options (--memory, --cpus, --pids, --tmpfs, --output-limit, --wall-time, --parallel), with clear errors. */
export function gradeLimits(argv: Record<string, unknown>): GradeLimits {
  const size = (option: string, value: unknown, fallback: number): number => {
    if (value === undefined) return fallback
    const bytes = parseSize(typeof value === 'number' ? value : String(value))
    if (bytes === undefined || bytes <= 0) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `${option} takes a size such as 256MiB or 16MiB, not ${String(value)}`)
    return bytes
  }
  const count = (option: string, value: unknown, fallback: number, whole: boolean): number => {
    if (value === undefined) return fallback
    const n = Number(value)
    if (!Number.isFinite(n) || n <= 0 || (whole && !Number.isInteger(n))) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `${option} takes a ${whole ? 'whole number, 1 or more' : 'number above 0'}, not ${String(value)}`)
    return n
  }
  const memory = size('--memory', argv.memory, DEFAULT_SANDBOX.memory)
  if (memory < 16 * 1024 ** 2) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `--memory takes 16MiB or more (a Python server needs about 10 MiB), not ${String(argv.memory)}`)
  const wall = argv.wallTime === undefined ? DEFAULT_WALL_TIME_MS : parseDuration(typeof argv.wallTime === 'number' ? argv.wallTime : String(argv.wallTime))
  if (wall === undefined || wall <= 0) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `--wall-time takes a duration such as 10m or 90s, not ${String(argv.wallTime)}`)
  return {
    sandbox: {
      memory,
      cpus: count('--cpus', argv.cpus, DEFAULT_SANDBOX.cpus, false),
      pids: count('--pids', argv.pids, DEFAULT_SANDBOX.pids, true),
      tmpfs: size('--tmpfs', argv.tmpfs, DEFAULT_SANDBOX.tmpfs),
      output: size('--output-limit', argv.outputLimit, DEFAULT_SANDBOX.output),
    },
    wallTimeMs: wall,
    parallel: count('--parallel', argv.parallel, defaultParallel(memory), true),
  }
}
