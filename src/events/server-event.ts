import { pythonAddress } from '../protocol/original-text.js'

/**
 * The one vocabulary of server events. The server logs through it, and scenario assertions and tests
 * wait on the same names and fields. `line()` gives the human message: the original server's console
 * line where one exists (`original()` says so), which `--log-format plain` prints alone.
 */
export const PROTOCOL_MODES = ['framed', 'compat'] as const
export type ProtocolMode = (typeof PROTOCOL_MODES)[number]
export const DISCONNECT_REASONS = ['exit', 'eof', 'reset', 'timeout', 'error', 'shutdown'] as const
export type DisconnectReason = (typeof DISCONNECT_REASONS)[number]

interface Peer {
  client: string
  address: string
  port: number
}

export interface ServerEventPayloads {
  listening: { host: string; port: number; maxClients: number; files: string }
  client_connected: Peer & { connected: number; maxClients: number }
  client_rejected: { address: string; port: number; connected: number; maxClients: number }
  /** Connections closed unanswered because `maxConnections` were already open: counted, never silent. */
  connections_dropped: { dropped: number; maxConnections: number }
  protocol_selected: Peer & { mode: ProtocolMode }
  command: Peer & { mode: ProtocolMode; command: string; text: string }
  file_refused: Peer & { mode: ProtocolMode; file: string; code: string; reason: string }
  /** `list` could not read the served folder (deleted, unmounted, no permission); the session goes on. */
  files_unavailable: Peer & { mode: ProtocolMode; reason: string }
  /** A file starts going out (its size known, its first byte not yet sent): what milestones can wait for. */
  transfer_started: Peer & { mode: ProtocolMode; file: string; size: number }
  /** At most every --progress-interval-ms during a transfer: how far it has got. */
  transfer_progress: Peer & { mode: ProtocolMode; file: string; bytes: number; size: number }
  transfer_completed: Peer & { mode: ProtocolMode; file: string; bytes: number; sha256: string; durationMs: number }
  transfer_failed: Peer & { mode: ProtocolMode; file: string; bytes: number; code: string; reason: string }
  client_error: Peer & { code: string; reason: string }
  client_disconnected: Peer & { reason: DisconnectReason; durationMs: number; connected: number }
  shutdown: { signal: string; clients: number }
}

export type ServerEventName = keyof ServerEventPayloads

/** Where the server's events go: the log (events/event-log.ts makes one), or a test's collector. */
export interface EventLog {
  emit<E extends ServerEventName>(event: E, payload: ServerEventPayloads[E]): void
}

const PEER = ['client', 'address', 'port'] as const

/**
 * The fields of each event, at run time (scenario files are checked against them: a `where:` key that no
 * such event has is a typo). The type below makes the lists complete: a field added to a payload and not
 * here, or listed here and not in the payload, does not compile.
 */
export const SERVER_EVENT_FIELDS = {
  listening: ['host', 'port', 'maxClients', 'files'],
  client_connected: [...PEER, 'connected', 'maxClients'],
  client_rejected: ['address', 'port', 'connected', 'maxClients'],
  connections_dropped: ['dropped', 'maxConnections'],
  protocol_selected: [...PEER, 'mode'],
  command: [...PEER, 'mode', 'command', 'text'],
  file_refused: [...PEER, 'mode', 'file', 'code', 'reason'],
  files_unavailable: [...PEER, 'mode', 'reason'],
  transfer_started: [...PEER, 'mode', 'file', 'size'],
  transfer_progress: [...PEER, 'mode', 'file', 'bytes', 'size'],
  transfer_completed: [...PEER, 'mode', 'file', 'bytes', 'sha256', 'durationMs'],
  transfer_failed: [...PEER, 'mode', 'file', 'bytes', 'code', 'reason'],
  client_error: [...PEER, 'code', 'reason'],
  client_disconnected: [...PEER, 'reason', 'durationMs', 'connected'],
  shutdown: ['signal', 'clients'],
} as const satisfies { [E in ServerEventName]: readonly (keyof ServerEventPayloads[E])[] }

// Every payload field is listed (the `satisfies` above checks the other direction).
type Unlisted = { [E in ServerEventName]: Exclude<keyof ServerEventPayloads[E], (typeof SERVER_EVENT_FIELDS)[E][number]> }[ServerEventName]
const everyFieldListed: [Unlisted] extends [never] ? true : never = true
void everyFieldListed

/** Fields whose values come from a fixed set, by field name (a `where:` value outside it can never match). */
export const FIELD_VALUES: Readonly<Record<string, readonly string[]>> = { mode: PROTOCOL_MODES }
/** The same, for one event's field where it differs by event. */
export const EVENT_FIELD_VALUES: { readonly [E in ServerEventName]?: Readonly<Record<string, readonly string[]>> } = {
  client_disconnected: { reason: DISCONNECT_REASONS },
}

interface EventDefinition<E extends ServerEventName> {
  level: 'info' | 'warn'
  line(payload: ServerEventPayloads[E]): string
  original(payload: ServerEventPayloads[E]): boolean
}

const always = (): boolean => true
const never = (): boolean => false

export const SERVER_EVENTS: { [E in ServerEventName]: EventDefinition<E> } = {
  listening: { level: 'info', line: (p) => `Server listening on ${p.host}:${p.port}`, original: always },
  client_connected: {
    level: 'info',
    line: (p) => `${p.client} connected from ${pythonAddress(p.address, p.port)}`,
    original: always,
  },
  client_rejected: {
    level: 'info',
    line: (p) => `Rejected connection from ${pythonAddress(p.address, p.port)}. Server is full.`,
    original: always,
  },
  connections_dropped: {
    level: 'warn',
    line: (p) => `Dropped ${p.dropped} connection${p.dropped === 1 ? '' : 's'} unanswered: ${p.maxConnections} already open (--max-connections)`,
    original: never,
  },
  protocol_selected: { level: 'info', line: (p) => `${p.client} speaks ${p.mode} mode`, original: never },
  command: { level: 'info', line: (p) => `${p.client}: ${p.text}`, original: never },
  file_refused: { level: 'warn', line: (p) => `${p.client} was refused ${p.file}: ${p.reason}`, original: never },
  files_unavailable: { level: 'warn', line: (p) => `${p.client} could not be given the file list: ${p.reason}`, original: never },
  transfer_started: { level: 'info', line: (p) => `${p.client} is sent ${p.file} (${p.size} bytes)`, original: never },
  transfer_progress: {
    level: 'info',
    line: (p) => `${p.client} is sent ${p.file}: ${p.bytes} of ${p.size} bytes (${p.size > 0 ? Math.floor((p.bytes / p.size) * 100) : 100}%)`,
    original: never,
  },
  transfer_completed: {
    level: 'info',
    line: (p) => `${p.client} received ${p.file} (${p.bytes} bytes, sha256 ${p.sha256})`,
    original: never,
  },
  transfer_failed: {
    level: 'warn',
    line: (p) => `${p.client} did not receive ${p.file}: ${p.reason}`,
    original: never,
  },
  client_error: { level: 'warn', line: (p) => `Error with ${p.client}: ${p.reason}`, original: always },
  client_disconnected: {
    level: 'info',
    line: (p) => `${p.client} disconnected.`,
    // The original printed only its error line for a reset or a failure.
    original: (p) => p.reason !== 'reset' && p.reason !== 'error',
  },
  shutdown: { level: 'info', line: (p) => `Server shutting down (${p.signal})`, original: never },
}

export const SERVER_EVENT_NAMES = Object.keys(SERVER_EVENTS) as ServerEventName[]
