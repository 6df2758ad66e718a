import { formatSize } from '../values/byte-size.js'
import type { ChaosOp, ChaosSchedule, LeaveHow, LinkFault } from './chaos-schedule.js'

/** What each step of a chaos run checks: the model's rule it stands for, said when it is broken. */
export const RULES = {
  admits: 'a client finds a free slot while fewer than max-clients are in',
  full: 'never more than max-clients admitted at once',
  names: 'names strictly increasing, never reused (anew after a restart)',
  echo: 'every echo is answered `<text> ACK`',
  status: 'status lists exactly the clients the model holds as connected, in the order they came',
  list: 'list names exactly the served files',
  get: "every get delivers the server's bytes, whole",
  'reset-get': 'a reset mid-transfer fails the get on the client and leaves no file',
  'reset-reply': 'a command whose reply is cut by a reset is answered or fails as a lost connection, and nothing else',
  gone: 'every client that leaves is logged gone, and its slot is freed',
  restart: 'the server stops on SIGTERM and listens again when started',
  link: 'a link condition is set',
  gap: 'a pause',
  final: 'after the run, max-clients fresh clients get in, and one more is turned away',
  usage: "after the run, with every client gone, the server holds at most a few more descriptors and a bounded more memory than at its start",
} as const
export type Rule = keyof typeof RULES

/** One step of the scenario a schedule compiles to, and what it came from. */
export interface CompiledStep {
  step: Record<string, unknown>
  /** The schedule's operation it is part of (absent: the checks after the run). */
  op?: number
  rule: Rule
  /** The outcome is not known for the server when the step passes (a reset during a get). */
  uncertain?: true
}

export interface ServerModel {
  /** socklab's own server: it logs why a client left and that it shut down, and its status lists who left after. */
  socklab: boolean
  /** The files every run serves before the schedule's own (the shipped folder's names). */
  shipped: readonly string[]
  /**
   * How much more the server may hold after the run, every client gone, than at its start: open
   * descriptors and bytes of resident memory. Absent where the server's process cannot be read (a remote server).
   */
  usage?: { descriptors: number; memory: number }
}

/** Whether the model found each operation possible when it came (one whose client is not connected is dropped). */
export interface Compiled {
  steps: CompiledStep[]
  /** The schedule's operations that were dropped (their client not where they need it), by index. */
  dropped: number[]
  /** What the model held when each operation came: for the coverage (mid-transfer, while full, …). */
  context: Map<number, { full: boolean; connected: number }>
}

const regexEscape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const nameOf = (n: number) => `Client${String(n).padStart(2, '0')}`
/** The reason socklab's server logs for each way of leaving (a killed process's stream ends, or is reset). */
const REASON: Record<LeaveHow, string | undefined> = { exit: 'exit', close: 'eof', reset: 'reset', kill: undefined }
/** How long a step whose effect the server does not log waits for it (its cleanup of a client gone in silence). */
const SLACK = { retry: { until: '3s', every: '100ms' } }

/**
 * Compiles a schedule to scenario steps whose expectations are the model of the assignment: at most
 * max-clients in, names Client01, Client02, … in order and never reused, `<text> ACK`, a status of exactly
 * those in, the served files, a slot freed by every way of leaving. Where a server does not say that a
 * client it lost is gone (the original, on a close or reset), the next connect and status allow the
 * documented slack: tried again for up to 3 s.
 */
export function compileSchedule(schedule: ChaosSchedule, server: ServerModel): Compiled {
  const steps: CompiledStep[] = []
  const dropped: number[] = []
  const context = new Map<number, { full: boolean; connected: number }>()
  /** Connected clients, in the order they came, with the names they were given. */
  const inside = new Map<string, string>()
  let issued = 0
  let restarts = 0
  let silentLeaves = false
  /** client_disconnected events the server has logged by now, by name and reason, and by name (every reason). */
  const gone = new Map<string, number>()
  /** Names a killed client had: its event says eof or reset, so for them only the count of every reason is known. */
  const killed = new Set<string>()
  const logged = (name: string, reason: string) => {
    gone.set(`${name}/${reason}`, (gone.get(`${name}/${reason}`) ?? 0) + 1)
    gone.set(`${name}/`, (gone.get(`${name}/`) ?? 0) + 1)
  }
  const add = (step: Record<string, unknown>, rule: Rule, op?: number, uncertain?: boolean) => steps.push({ step, rule, ...(op === undefined ? {} : { op }), ...(uncertain ? { uncertain: true as const } : {}) })
  const left = (client: string, how: LeaveHow, op: number | undefined) => {
    const name = inside.get(client)!
    inside.delete(client)
    if (!server.socklab && how !== 'exit') {
      silentLeaves = true
      return
    }
    const reason = server.socklab ? REASON[how] : undefined
    if (!reason || killed.has(name)) {
      if (how === 'kill') killed.add(name)
      logged(name, reason ?? '?')
      return add({ expect_events: { event: 'client_disconnected', where: { client: name }, count: gone.get(`${name}/`) } }, 'gone', op)
    }
    logged(name, reason)
    add({ expect_events: { event: 'client_disconnected', where: { client: name, reason }, count: gone.get(`${name}/${reason}`) } }, 'gone', op)
  }
  const connect = (client: string, op: number | undefined, rule: Rule) => {
    if (inside.size < schedule.maxClients) {
      issued += 1
      inside.set(client, nameOf(issued))
      add({ connect: { client, as: nameOf(issued) }, ...(silentLeaves ? SLACK : {}) }, rule === 'final' ? 'final' : 'admits', op)
    } else add({ connect: { client, expect: 'rejected' } }, rule === 'final' ? 'final' : 'full', op)
  }
  // Its usage before any client, to compare with once they are all gone.
  if (server.usage && schedule.final !== false) add({ expect_usage: 'baseline' }, 'usage')
  /** Clients behind a black hole (in, but nothing of theirs crosses): only a reset of their link ends it. */
  const stalled = new Set<string>()
  const unstall = (client: string, op: number | undefined, rule: Rule) => {
    stalled.delete(client)
    add({ link: { client, reset: true } }, rule, op)
    // Its next connection starts with no black hole (a link's conditions outlive its connection).
    add({ link: { client, clear: true } }, rule, op)
    left(client, 'reset', op)
  }
  schedule.ops.forEach((op: ChaosOp, i) => {
    const needs = 'client' in op ? op.client : undefined
    const possible =
      op.op === 'connect' ? !inside.has(op.client) : op.op === 'restart' ? true : op.op === 'unstall' ? stalled.has(op.client) : inside.has(needs!) && !stalled.has(needs!)
    if (!possible) return void dropped.push(i)
    context.set(i, { full: inside.size >= schedule.maxClients, connected: inside.size })
    if (op.gapMs > 0) add({ sleep: `${op.gapMs}ms` }, 'gap', i)
    switch (op.op) {
      case 'connect':
        return connect(op.client, i, 'admits')
      case 'echo':
        return add({ send: { client: op.client, command: op.text, reply: `${op.text} ACK` } }, 'echo', i)
      case 'status': {
        const lines = [...inside.values()].map((name) => `${regexEscape(name)}: [^\\n]+ - Connected at [^\\n]+`)
        add({ send: { client: op.client, command: 'status', reply: { regex: `^${lines.join('\\n')}(\\n[^\\n]+ - Disconnected at [^\\n]+)*$` } }, ...(silentLeaves ? SLACK : {}) }, 'status', i)
        silentLeaves = false
        return
      }
      case 'list': {
        const names = [...server.shipped, ...schedule.files.map((f) => f.name)]
        const each = names.map((n) => `(?=(?:[\\s\\S]*\\n)?${regexEscape(n)}(?:\\n|$))`).join('')
        return add({ send: { client: op.client, command: 'list', reply: { regex: `^${each}[^\\n]+(\\n[^\\n]+){${names.length - 1}}$` } } }, 'list', i)
      }
      case 'get':
        return add({ get: { client: op.client, file: op.file, timeout: '30s' } }, 'get', i)
      case 'leave':
        add({ disconnect: { client: op.client, how: op.how } }, 'gone', i)
        return left(op.client, op.how, i)
      case 'reset-mid-get':
        add({ link: { client: op.client, reset: true, when: { bytes: op.after, direction: 'down' } } }, 'link', i)
        add({ get: { client: op.client, file: op.file, error: 'SOCKLAB_CONNECTION_LOST', timeout: '30s' } }, 'reset-get', i, true)
        return left(op.client, 'reset', i)
      case 'close-mid-get':
        // The link closes both ways once the bytes have gone: the client's get fails, and the server sees an
        // end of stream, or a reset if it was still writing (any reason).
        add({ link: { client: op.client, down: { limit_data: op.after } } }, 'link', i)
        add({ get: { client: op.client, file: op.file, error: 'SOCKLAB_CONNECTION_LOST', timeout: '30s' } }, 'reset-get', i, true)
        // Its next connection is not limited (a link's conditions outlive its connection).
        add({ link: { client: op.client, clear: true } }, 'link', i)
        return left(op.client, 'kill', i)
      case 'reset-on-reply': {
        // Armed on the reply's own text: reset right after the piece that completes it has crossed.
        const match = op.command === 'status' ? ' - Connected at ' : `${regexEscape(op.text)} ACK`
        add({ link: { client: op.client, reset: true, when: { match, direction: 'down' } } }, 'link', i)
        // The reply may be read before the reset or lost with it: either passes (no reply given to match).
        add({ send: { client: op.client, command: op.command === 'status' ? 'status' : op.text } }, 'reset-reply', i, true)
        return left(op.client, 'reset', i)
      }
      case 'link':
        return add({ link: op.fault === 'clear' ? { client: op.client, clear: true } : { client: op.client, ...linkCondition(op.fault, op.value, op.jitter) } }, 'link', i)
      case 'blackhole':
        stalled.add(op.client)
        return add({ link: { client: op.client, blackhole: true } }, 'link', i)
      case 'unstall':
        return unstall(op.client, i, 'gone')
      case 'restart': {
        // A black-holed client would not see the server go: its link is reset first.
        for (const client of [...stalled]) unstall(client, i, 'restart')
        add({ server: 'stop' }, 'restart', i)
        for (const name of inside.values()) logged(name, 'shutdown')
        inside.clear()
        issued = 0
        restarts += 1
        add({ server: 'start' }, 'restart', i)
        add({ expect_events: { event: 'listening', count: restarts + 1 } }, 'restart', i)
        // A new process: its usage is measured from here.
        if (server.usage && schedule.final !== false) add({ expect_usage: 'baseline' }, 'usage', i)
        return
      }
    }
  })
  // After the run: every client still in leaves, and max-clients fresh ones get in, and one more does not.
  if (schedule.final === false) return { steps, dropped, context }
  for (const client of [...stalled]) unstall(client, undefined, 'final')
  for (const client of [...inside.keys()]) {
    add({ disconnect: { client, how: 'exit' } }, 'final')
    left(client, 'exit', undefined)
  }
  for (const client of freshClients(schedule.maxClients)) connect(client, undefined, 'final')
  if (server.usage) {
    // Every client gone (their leaving logged), the server's descriptors and memory, given a few seconds to settle.
    for (const client of [...inside.keys()]) {
      add({ disconnect: { client, how: 'exit' } }, 'usage')
      left(client, 'exit', undefined)
    }
    add({ expect_usage: { descriptors: server.usage.descriptors, memory: formatSize(server.usage.memory).replace(' ', '') }, retry: { until: '5s', every: '250ms' } }, 'usage')
  }
  return { steps, dropped, context }
}

function linkCondition(fault: LinkFault, value: number, jitter?: number): Record<string, unknown> {
  if (fault === 'latency') return { latency: `${value}ms` }
  if (fault === 'jitter') return { latency: `${value}ms`, jitter: `${jitter ?? 1}ms` }
  if (fault === 'slow-close') return { slow_close: `${value}ms` }
  if (fault === 'slicer') return { down: { slicer: { size: value, delay: '1ms' } } }
  return { down: { bandwidth: value } }
}

/** The clients that check, after the run, that max-clients get in and one more is turned away. */
export function freshClients(maxClients: number): string[] {
  return [...Array.from({ length: maxClients }, (_, i) => `fresh${i + 1}`), 'extra']
}
