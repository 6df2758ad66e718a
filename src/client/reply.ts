import { SocklabError } from '../errors/socklab-error.js'
import type { Download } from './download.js'
import type { TransferProgress } from './transfer-progress.js'

/** What a session hands back for one command. Failures (lost connection, bad transfer) are thrown. */
export type Reply =
  | { kind: 'text'; text: string }
  | { kind: 'error'; code: string; message: string }
  | { kind: 'saved'; name: string; path: string; bytes: number; sha256: string; verified: boolean }
  | { kind: 'bye'; reason: string; message: string }

export interface SendHooks {
  progress?: TransferProgress
}

export interface Session {
  readonly mode: 'framed' | 'compat'
  /** The name the server gave this client (framed mode only; the original does not say). */
  readonly clientName: string | undefined
  /** Resolves when the connection has ended, with the reason the server gave, if any. */
  readonly closed: Promise<string>
  /** Set when this client ended the connection because of what the server sent (a protocol error, a lie). */
  readonly failure: SocklabError | undefined
  send(command: string, hooks?: SendHooks): Promise<Reply>
  /** Closes without a word: `end` sends FIN (end of stream), `reset` sends RST (a TCP reset). */
  abandon(how: 'end' | 'reset'): void
  close(): void
  /**
   * Ends the `get` in flight at once, without waiting for the rest of the file: its download is discarded and
   * the command ends with SOCKLAB_TRANSFER_CANCELLED; what the server still sends of it is read and dropped,
   * so the session carries on. Undefined when no get is in flight.
   */
  cancel(): CancelledTransfer | undefined
  /** Framed mode only: stop reading until `release()` (see FramedSession.hold). */
  hold?(): void
  release?(): void
}

export interface CancelledTransfer {
  name: string
  bytes: number
  /** Unknown in compatible mode, or before the file started. */
  size: number | undefined
}

/** A command waiting for its reply: resolved with a Reply, or rejected with a coded error. */
export interface Settleable {
  command: string
  resolve(reply: Reply): void
  reject(error: SocklabError): void
  /** The file this command is receiving, once it has started. */
  download?: Download
}

/**
 * Ends a command once, with a reply or a coded error. A download that did not end saved is discarded first,
 * whatever the way it ended, so that no temporary file outlives its command.
 */
export async function settle(target: Settleable, outcome: Reply | SocklabError): Promise<void> {
  if (target.download && !(!(outcome instanceof SocklabError) && outcome.kind === 'saved')) await target.download.discard()
  if (outcome instanceof SocklabError) target.reject(outcome)
  else target.resolve(outcome)
}

/** The file a `get` asks for, or undefined for any other command. */
export function getTarget(command: string): string | undefined {
  return command.startsWith('get ') ? command.slice(4).trim() : undefined
}

export function cancelled(transfer: CancelledTransfer): SocklabError {
  const of = transfer.size === undefined ? '' : ` of ${transfer.size}`
  return new SocklabError('SOCKLAB_TRANSFER_CANCELLED', `Transfer of ${transfer.name} cancelled (${transfer.bytes}${of} received)`)
}
