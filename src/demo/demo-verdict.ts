import { EXIT } from '../cli/exit-codes.js'

/** One client of the demo and how it ended. */
export interface DemoClient {
  label: string
  /** Its exit code; null when it was killed or never ended. */
  code: number | null
}

/** The admissions and departures the server's log showed, in order (its own client names). */
export interface DemoEvent {
  event: 'client_connected' | 'client_rejected' | 'client_disconnected'
  client?: string
}

/** The admission event a logged value is, if it is one (the verdict's cause reads only these). */
export function demoEvent(value: unknown): DemoEvent | undefined {
  const event = value as { event?: unknown; client?: unknown } | undefined
  if (event?.event !== 'client_connected' && event?.event !== 'client_rejected' && event?.event !== 'client_disconnected') return undefined
  return { event: event.event, client: typeof event.client === 'string' ? event.client : undefined }
}

export interface DemoVerdict {
  ok: boolean
  /** One line: what happened, and when it went wrong, why. */
  text: string
}

const MEANING: Record<number, string> = {
  [EXIT.CONNECT_FAILED]: 'could not connect',
  [EXIT.CONNECTION_LOST]: 'lost its connection',
  [EXIT.PROTOCOL]: 'met a protocol error',
  [EXIT.TRANSFER_FAILED]: 'saved no file for its get',
  [EXIT.USAGE]: 'was given a bad option',
  [EXIT.INTERNAL]: 'crashed',
}

/**
 * The demo's verdict: four clients, three served (exit 0) and one turned away as the server is full (exit 3).
 * When it went otherwise, the cause, named from the server's log where it was read ("Client01 left before
 * the fourth client connected"), else from the exit codes.
 */
export function demoVerdict(clients: readonly DemoClient[], events: readonly DemoEvent[], expected = 4): DemoVerdict {
  const served = clients.filter((c) => c.code === EXIT.OK)
  const full = clients.filter((c) => c.code === EXIT.SERVER_FULL)
  if (clients.length === expected && full.length === 1 && served.length === expected - 1) {
    return { ok: true, text: `Demo finished: ${served.length} clients served, 1 told the server is full (${full[0]!.label}).` }
  }
  return { ok: false, text: `Demo did not go as expected: ${cause(clients, events, expected, served.length, full.length)}.` }
}

function cause(clients: readonly DemoClient[], events: readonly DemoEvent[], expected: number, served: number, full: number): string {
  if (clients.length !== expected) return `${clients.length} of ${expected} clients ran`
  const other = clients.find((c) => c.code !== EXIT.OK && c.code !== EXIT.SERVER_FULL)
  if (other) {
    const what = other.code === null ? 'was stopped before it ended' : `exited with code ${other.code}${MEANING[other.code] ? ` (${MEANING[other.code]})` : ''}`
    return `${other.label} ${what}`
  }
  if (full === 0) {
    // Who left while the last one had not come yet: the server had a free slot for it.
    let connected = 0
    for (const e of events) {
      if (e.event === 'client_connected') connected += 1
      if (e.event === 'client_disconnected' && connected < expected) {
        return `${e.client ?? 'a client'} left before the ${ordinal(expected)} client connected, so all ${expected} were served`
      }
    }
    return `all ${expected} clients were served: one left before the last connected`
  }
  return `${full} clients were turned away: the server admitted only ${served} at once`
}

const ordinal = (n: number) => (['zeroth', 'first', 'second', 'third', 'fourth', 'fifth'][n] ?? `${n}th`)
