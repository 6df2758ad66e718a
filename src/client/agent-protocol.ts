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
  /** `--mode raw`: these bytes (base64), as they are. */
  | { send: string }

export interface LocalEnd {
  /** This side's address and port of the connection, as the server sees them. */
  address: string
  port: number
}

export type AgentOutput =
  /** With `--standby`: started, not connected; waiting for `{"connect": true}`. */
  | { type: 'standby' }
  | ({ type: 'connected'; mode: 'framed' | 'compat' | 'raw'; client?: string } & LocalEnd)
  | ({ type: 'rejected'; message: string } & LocalEnd)
  | { type: 'failed'; code: string; message: string }
  | { type: 'reply'; command: string; reply: Reply; durationMs: number }
  | { type: 'error'; command: string; code: string; message: string; durationMs: number }
  /** How it ended; with `--mode raw`, `how` says who closed it and how: the server's FIN or RST, or this side. */
  | { type: 'closed'; reason: string; how?: 'fin' | 'rst' | 'local' }
  /** `--mode raw`: bytes the server sent (base64), as they came. */
  | { type: 'data'; data: string }
  /** A get sent with `hold: true` has started and the client stopped reading; `{"release": true}` goes on. */
  | { type: 'held'; command: string; name: string; size: number | undefined }
