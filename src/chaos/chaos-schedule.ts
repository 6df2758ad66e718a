import { SeededRandom } from './seeded-random.js'

/** The ways a client leaves: `exit` sends exit, `close` ends its stream, `reset` sends RST, `kill` kills its process. */
export const LEAVE_HOWS = ['exit', 'close', 'reset', 'kill'] as const
export type LeaveHow = (typeof LEAVE_HOWS)[number]

/** The faults a schedule may hold (`--faults`), each a kind of its own in the coverage. */
export const FAULT_KINDS = ['reset', 'kill', 'close', 'reset-mid-get', 'close-mid-get', 'reset-on-reply', 'latency', 'jitter', 'slicer', 'bandwidth', 'slow-close', 'blackhole', 'restart'] as const
export type FaultKind = (typeof FAULT_KINDS)[number]

/** One thing a chaos run does, in order; `gapMs` is waited before it. */
export type ChaosOp = { gapMs: number } & (
  | { op: 'connect'; client: string }
  | { op: 'echo'; client: string; text: string }
  | { op: 'status'; client: string }
  | { op: 'list'; client: string }
  | { op: 'get'; client: string; file: string }
  | { op: 'leave'; client: string; how: LeaveHow }
  /** The client's connection reset once `after` bytes of the file have gone towards it. */
  | { op: 'reset-mid-get'; client: string; file: string; after: number }
  /** The client's link closes (FIN) once `after` bytes have gone towards it (`limit_data`), during a get. */
  | { op: 'close-mid-get'; client: string; file: string; after: number }
  /** The client's link reset the moment the reply to its command crosses it (a regex on the stream). */
  | { op: 'reset-on-reply'; client: string; command: 'echo' | 'status'; text: string }
  /**
   * The client's link changed: `value` is the latency in ms (`jitter`: with up to `jitter` ms of it), the
   * slice size, the bandwidth in bytes per second, or how long its close is held (`slow-close`, ms).
   */
  | { op: 'link'; client: string; fault: LinkFault | 'clear'; value: number; jitter?: number }
  /** The client's link becomes a black hole both ways: nothing crosses, not even a close; the others go on. */
  | { op: 'blackhole'; client: string }
  /** A black-holed client's link is reset (RST both ways): the server must log it gone. */
  | { op: 'unstall'; client: string }
  | { op: 'restart' }
)

export const LINK_FAULTS = ['latency', 'jitter', 'slicer', 'bandwidth', 'slow-close'] as const
export type LinkFault = (typeof LINK_FAULTS)[number]

export interface ChaosFile {
  name: string
  size: number
}

/** Everything a run does, drawn from its seed alone: replayed as it is, shrunk by taking parts away. */
export interface ChaosSchedule {
  seed: number
  clients: string[]
  files: ChaosFile[]
  maxClients: number
  ops: ChaosOp[]
  /** `false`: without the checks after the run (a shrunk schedule whose violation comes before them). */
  final?: false
}

export interface ScheduleOptions {
  seed: number
  /** How long the run's operations should take, about (each op's gap and its own time). */
  durationMs: number
  clients: number
  faults: readonly FaultKind[]
  maxClients: number
}

/** About how long an operation takes on the local target, to fill the duration. */
const OP_COST_MS = 180
/** The largest file a client whose replies are sliced gets (at 16 bytes a millisecond: 4 s). */
const SLICED_GET_MAX = 65536
const WORDS = ['hello', 'socket', 'packet', 'router', 'lab', 'chaos', 'seed', 'frame', 'byte', 'stream', 'ping', 'échec', 'データ']

/**
 * The schedule of a seed: clients connect, talk (echo, status, list, get of files of varied sizes) and leave
 * every way there is, and faults strike, each at a gap drawn from the seed. The draw follows which clients
 * are connected, so that each operation makes sense when it comes; the server's answers are the model's to
 * predict (chaos-model.ts), not the draw's.
 */
export function drawSchedule(options: ScheduleOptions): ChaosSchedule {
  const random = new SeededRandom(options.seed)
  const clients = Array.from({ length: options.clients }, (_, i) => `c${i + 1}`)
  const files: ChaosFile[] = Array.from({ length: random.int(2, 4) }, (_, i) => ({ name: `chaos-${i + 1}.bin`, size: random.pick([1, 1000, 65536, 300_000, 1_048_576, 2_500_000]) }))
  const big = files.reduce((a, b) => (b.size > a.size ? b : a))
  if (big.size < 1_048_576) big.size = 1_048_576
  const allowed = new Set(options.faults)
  const connected = new Set<string>()
  /** Connected clients behind a black hole: they do nothing until their link is reset. */
  const stalled = new Set<string>()
  /** Clients whose link slices replies small: their gets are of small files (a sliced megabyte takes minutes). */
  const sliced = new Set<string>()
  const small = files.filter((f) => f.size <= SLICED_GET_MAX)
  const ops: ChaosOp[] = []
  let planned = 0
  while (planned < options.durationMs) {
    const gapMs = random.chance(0.6) ? 0 : random.int(5, 250)
    const away = clients.filter((c) => !connected.has(c))
    const here = clients.filter((c) => connected.has(c) && !stalled.has(c))
    const kind = random.weighted({
      connect: away.length > 0 ? 4 : 0,
      talk: here.length > 0 ? 8 : 0,
      leave: here.length > 0 ? 3 : 0,
      fault: here.length > 0 ? 2 : 0,
      unstall: stalled.size > 0 ? 1.5 : 0,
      restart: allowed.has('restart') && here.length > 0 && stalled.size === 0 ? 0.3 : 0,
    })
    let op: ChaosOp
    if (kind === 'connect') {
      op = { gapMs, op: 'connect', client: random.pick(away) }
      // Whether it gets in is the model's to say; the draw takes it as in, and a rejected one as gone.
      connected.add(op.client)
    } else if (kind === 'talk') {
      const client = random.pick(here)
      const what = random.weighted({ echo: 4, status: 2, list: 1, get: 2 })
      op =
        what === 'echo'
          ? { gapMs, op: 'echo', client, text: Array.from({ length: random.int(1, 3) }, () => random.pick(WORDS)).join(' ') }
          : what === 'get' && (!sliced.has(client) || small.length > 0)
            ? { gapMs, op: 'get', client, file: random.pick(sliced.has(client) ? small : files).name }
            : what === 'get'
              ? { gapMs, op: 'status', client }
            : { gapMs, op: what, client }
    } else if (kind === 'leave') {
      const hows = LEAVE_HOWS.filter((h) => h === 'exit' || allowed.has(h))
      op = { gapMs, op: 'leave', client: random.pick(here), how: random.pick(hows) }
      connected.delete(op.client)
    } else if (kind === 'unstall') {
      op = { gapMs, op: 'unstall', client: random.pick([...stalled]) }
      stalled.delete(op.client)
      connected.delete(op.client)
    } else if (kind === 'restart') {
      op = { gapMs, op: 'restart' }
      connected.clear()
    } else {
      const client = random.pick(here)
      const linkFaults = LINK_FAULTS.filter((f) => allowed.has(f))
      const choice = random.weighted({
        midGet: allowed.has('reset-mid-get') ? 2 : 0,
        closeGet: allowed.has('close-mid-get') ? 1 : 0,
        onReply: allowed.has('reset-on-reply') ? 1 : 0,
        hole: allowed.has('blackhole') ? 0.7 : 0,
        link: linkFaults.length > 0 ? 3 : 0,
        clear: linkFaults.length > 0 ? 1 : 0,
        none: 0.01,
      })
      if (choice === 'midGet' && !sliced.has(client)) {
        op = { gapMs, op: 'reset-mid-get', client, file: big.name, after: random.int(1, Math.floor(big.size / 2)) }
        connected.delete(client)
      } else if (choice === 'closeGet' && !sliced.has(client)) {
        op = { gapMs, op: 'close-mid-get', client, file: big.name, after: random.int(1, Math.floor(big.size / 2)) }
        connected.delete(client)
      } else if (choice === 'hole') {
        op = { gapMs, op: 'blackhole', client }
        stalled.add(client)
      } else if (choice === 'onReply') {
        op = { gapMs, op: 'reset-on-reply', client, command: random.chance(0.5) ? 'echo' : 'status', text: random.pick(WORDS) }
        connected.delete(client)
      } else if (choice === 'link') {
        const fault = random.pick(linkFaults)
        const value = fault === 'latency' || fault === 'jitter' ? random.int(1, 40) : fault === 'slicer' ? random.int(16, 512) : fault === 'slow-close' ? random.int(50, 500) : random.pick([1, 2, 4]) * 1_048_576
        op = { gapMs, op: 'link', client, fault, value, ...(fault === 'jitter' ? { jitter: random.int(1, value) } : {}) }
        // A link step replaces the client's conditions: only a slicer's last.
        if (fault === 'slicer') sliced.add(client)
        else sliced.delete(client)
      } else if (choice === 'clear') {
        op = { gapMs, op: 'link', client, fault: 'clear', value: 0 }
        sliced.delete(client)
      } else {
        op = { gapMs, op: 'echo', client, text: random.pick(WORDS) }
      }
    }
    ops.push(op)
    planned += gapMs + OP_COST_MS
  }
  return { seed: options.seed, clients, files, maxClients: options.maxClients, ops }
}
