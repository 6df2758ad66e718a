import type { Reply } from './reply.js'

/**
 * `socklab client --json`: the client as a program-driven agent (scripts, the scenario runner). Each
 * input line is one JSON AgentInput; each output line is one JSON AgentOutput.
 */
export type AgentInput =
  | { command: string; hold?: boolean }
  | { close: 'end' | 'reset' }
  | { release: true }
  /** With `--standby`: connect now. */
  | { connect: true }

export interface LocalEnd {
  /** This side's address and port of the connection, as the server sees them. */
  address: string
  port: number
}

export type AgentOutput =
  /** With `--standby`: started, not connected; waiting for `{"connect": true}`. */
  | { type: 'standby' }
  | ({ type: 'connected'; mode: 'framed' | 'compat'; client?: string } & LocalEnd)
  | ({ type: 'rejected'; message: string } & LocalEnd)
  | { type: 'failed'; code: string; message: string }
  | { type: 'reply'; command: string; reply: Reply; durationMs: number }
  | { type: 'error'; command: string; code: string; message: string; durationMs: number }
  | { type: 'closed'; reason: string }
  /** A get sent with `hold: true` has started and the client stopped reading; `{"release": true}` goes on. */
  | { type: 'held'; command: string; name: string; size: number | undefined }
