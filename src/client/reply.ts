import { SocklabError } from '../errors/socklab-error.js'

/** What a session hands back for one command. Failures (lost connection, bad transfer) are thrown. */
export type Reply =
  | { kind: 'text'; text: string }
  | { kind: 'error'; code: string; message: string }
  | { kind: 'saved'; name: string; path: string; bytes: number; sha256: string; verified: boolean }
  | { kind: 'bye'; reason: string; message: string }

export interface TransferProgress {
  start(name: string, size: number | undefined): void
  advance(bytes: number): void
  stop(): void
}

export interface SendHooks {
  progress?: TransferProgress
}

export interface Session {
  readonly mode: 'framed' | 'compat'
  /** The name the server gave this client (framed mode only; the original does not say). */
  readonly clientName: string | undefined
  /** Resolves when the connection has ended, with the reason the server gave, if any. */
  readonly closed: Promise<string>
  send(command: string, hooks?: SendHooks): Promise<Reply>
  /** Closes without a word: `end` sends FIN (end of stream), `reset` sends RST (a TCP reset). */
  abandon(how: 'end' | 'reset'): void
  close(): void
  /** Framed mode only: stop reading until `release()` (see FramedSession.hold). */
  hold?(): void
  release?(): void
}

/** A command waiting for its reply: resolved with a Reply, or rejected with a coded error. */
export interface Settleable {
  resolve(reply: Reply): void
  reject(error: SocklabError): void
}

export function settle(target: Settleable, outcome: Reply | SocklabError): void {
  if (outcome instanceof SocklabError) target.reject(outcome)
  else target.resolve(outcome)
}
