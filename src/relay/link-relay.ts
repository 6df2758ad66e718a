import { StringDecoder } from 'node:string_decoder'
import { once } from 'node:events'
import { connect, createServer, type Socket } from 'node:net'
import { SocklabError } from '../errors/socklab-error.js'
import { LinkDirection } from './link-direction.js'
import { NO_CONDITIONS, type LinkConditions } from './link-spec.js'

export interface RelayOptions {
  /** Where the relay listens (port 0: any free port). */
  host: string
  port: number
  /** The server every connection is relayed to. */
  to: { host: string; port: number }
  /** The conditions every connection starts with (none by default). */
  link?: LinkConditions
}

/** What a relay can be told to do now, or when a milestone is reached. */
export type RelayAction = { set: LinkConditions } | { reset: true }

/** A milestone: the relay's connections have carried this many bytes more (one way, or both together), counted from when it is set. */
export interface ByteMilestone {
  bytes: number
  direction?: 'up' | 'down'
}

/** A milestone: text matching a regex has crossed (one way, or either), written on from when it is set (UTF-8). */
export interface StreamMatch {
  match: string
  direction?: 'up' | 'down'
}

export type Milestone = ByteMilestone | StreamMatch

/** How much of what came before a piece a regex milestone keeps, for a match that spans pieces (characters). */
const MATCH_WINDOW = 64 * 1024

export interface StartedRelay extends AsyncDisposable {
  readonly port: number
  /** Connections relayed right now. */
  readonly connections: number
  /** The conditions in force (for connections now and later). */
  readonly link: LinkConditions
  /** Bytes carried so far (written to the other side), over every connection, each way. */
  readonly carried: { up: number; down: number }
  /** Bytes read so far, each way: more than carried while conditions hold bytes back or drop them. */
  readonly read: { up: number; down: number }
  /** Replaces the conditions of every connection, now and later. */
  set(link: LinkConditions): void
  /** Resets every relayed connection on both sides (RST to the client and to the server); returns how many. */
  reset(): number
  /** Performs `action` once the connections have carried the milestone's bytes from now; resolves when it has, with the bytes carried since. */
  when(milestone: Milestone, action: RelayAction): Promise<{ bytes: number }>
  close(): Promise<void>
}

/** How much one read from the server may take. */
const READ_BUFFER_BYTES = 1024 * 1024
/** Read buffers kept for reuse. */
const POOLED_SLABS = 8
/** Reads smaller than this are copied into a buffer of their own size. */
const COPY_BELOW_BYTES = 64 * 1024

interface Pair {
  client: Socket
  upstream: Socket
  up: LinkDirection
  down: LinkDirection
  gone: AbortController
}

interface Armed {
  milestone: Milestone
  /** A regex milestone's: its pattern, and the text carried since it was set (each way decoded on its own). */
  seen?: { regex: RegExp; text: Record<'up' | 'down', string>; decoders: Record<'up' | 'down', StringDecoder> }
  /** The count when it was set: the milestone is this many bytes further. */
  from: number
  action: RelayAction
  fired(bytes: number): void
}

/**
 * A TCP relay between clients and a server, as a network in the middle would be: bytes both ways with
 * backpressure, an end (FIN) passed on as an end and a reset passed on as a reset, and the link's
 * conditions (latency, bandwidth, slicing, a black hole, a data limit, a slow close) applied each way.
 * `reset()` makes it fail the way a broken network does. A relayed client's address, as the server sees
 * it, is the relay's.
 */
export async function startRelay(options: RelayOptions): Promise<StartedRelay> {
  const pairs = new Set<Pair>()
  let link = options.link ?? NO_CONDITIONS
  const carried = { up: 0, down: 0 }
  const read = { up: 0, down: 0 }
  let armed: Armed[] = []
  /** Read buffers written out and free again (a few, shared by every connection). */
  const slabs: Buffer[] = []
  const recycle = (slab: Buffer) => {
    if (slabs.length < POOLED_SLABS) slabs.push(slab)
  }

  const perform = (action: RelayAction) => ('reset' in action ? resetAll() : setAll(action.set))
  const count = (direction: 'up' | 'down') => (bytes: number, data: Buffer) => {
    carried[direction] += bytes
    if (armed.length === 0) return
    const due = armed.filter((a) => reached(a, direction, data))
    if (due.length === 0) return
    armed = armed.filter((a) => !due.includes(a))
    // After the bytes that reached it are written: an action never takes back what it counted.
    queueMicrotask(() => {
      for (const a of due) {
        perform(a.action)
        a.fired(total(a.milestone) - a.from)
      }
    })
  }
  const total = (m: Milestone) => (m.direction ? carried[m.direction] : carried.up + carried.down)
  /** Bytes this direction may carry before a byte milestone counting it is reached. */
  const room = (direction: 'up' | 'down'): number => {
    let least = Infinity
    for (const a of armed) {
      if (!('bytes' in a.milestone) || (a.milestone.direction && a.milestone.direction !== direction)) continue
      least = Math.min(least, Math.max(1, a.milestone.bytes - (total(a.milestone) - a.from)))
    }
    return least
  }
  const reached = (a: Armed, direction: 'up' | 'down', data: Buffer): boolean => {
    if ('bytes' in a.milestone) return total(a.milestone) - a.from >= a.milestone.bytes
    if ((a.milestone.direction && a.milestone.direction !== direction) || !a.seen) return false
    // The piece whole, after what came before it (a match may span pieces); only a window of it is kept.
    const text = a.seen.text[direction] + a.seen.decoders[direction].write(data)
    a.seen.text[direction] = text.slice(-MATCH_WINDOW)
    return a.seen.regex.test(text)
  }

  const server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    // The server's side is read into large buffers (fewer reads and writes for a file going down), each
    // back in the pool once written out; a small read is copied out, so that a queue of small pieces does
    // not hold large buffers.
    const upstream = connect({
      host: options.to.host,
      port: options.to.port,
      allowHalfOpen: true,
      noDelay: true,
      onread: {
        buffer: () => slabs.pop() ?? Buffer.allocUnsafe(READ_BUFFER_BYTES),
        callback: (n: number, slab: Uint8Array) => {
          const buffer = slab as Buffer
          if (n >= COPY_BELOW_BYTES) pair.down.receive(buffer.subarray(0, n), () => recycle(buffer))
          else {
            pair.down.receive(Buffer.from(buffer.subarray(0, n)))
            recycle(buffer)
          }
          return true
        },
      },
    })
    const gone = new AbortController()
    const context = {
      signal: gone.signal,
      // A limit reached: what was let through is delivered, then both sides are closed.
      close: () => {
        client.destroySoon()
        upstream.destroySoon()
      },
    }
    const pair: Pair = {
      client,
      upstream,
      gone,
      up: new LinkDirection(client, upstream, link.up, context, { read: (n) => (read.up += n), carried: count('up'), room: () => room('up') }),
      down: new LinkDirection(upstream, client, link.down, context, { read: (n) => (read.down += n), carried: count('down'), room: () => room('down') }),
    }
    client.on('data', (data: Buffer) => pair.up.receive(data))
    pairs.add(pair)
    const onError = (other: Socket) => () => {
      // A reset on one side is a reset on the other; anything else ends both.
      if (!other.destroyed) other.resetAndDestroy()
    }
    client.on('error', onError(upstream))
    upstream.on('error', onError(client))
    const onClose = () => {
      if (!client.destroyed || !upstream.destroyed) return
      pairs.delete(pair)
      gone.abort()
    }
    client.on('close', onClose)
    upstream.on('close', onClose)
  })
  server.listen(options.port, options.host)
  try {
    await once(server, 'listening')
  } catch (error) {
    throw new SocklabError('SOCKLAB_LISTEN_FAILED', `the relay cannot listen on ${options.host}:${options.port}: ${(error as Error).message}`)
  }

  function setAll(next: LinkConditions): void {
    link = next
    for (const pair of pairs) {
      pair.up.set(next.up)
      pair.down.set(next.down)
    }
  }
  function resetAll(): number {
    const n = pairs.size
    for (const pair of pairs) {
      pair.client.resetAndDestroy()
      pair.upstream.resetAndDestroy()
      pair.gone.abort()
    }
    pairs.clear()
    return n
  }
  const close = async () => {
    for (const pair of pairs) {
      pair.client.destroy()
      pair.upstream.destroy()
      pair.gone.abort()
    }
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  return {
    port: (server.address() as { port: number }).port,
    get connections() {
      return pairs.size
    },
    get link() {
      return link
    },
    get carried() {
      return { ...carried }
    },
    get read() {
      return { ...read }
    },
    set: setAll,
    reset: resetAll,
    when(milestone, action) {
      const seen = 'match' in milestone ? { regex: new RegExp(milestone.match), text: { up: '', down: '' }, decoders: { up: new StringDecoder('utf8'), down: new StringDecoder('utf8') } } : undefined
      return new Promise((resolve) => armed.push({ milestone, action, from: total(milestone), ...(seen ? { seen } : {}), fired: (bytes) => resolve({ bytes }) }))
    },
    close,
    [Symbol.asyncDispose]: close,
  }
}
