import type { YamlCursor } from '../../values/yaml-cursor.js'

/** A run of bytes on its way through one direction of a link, with the time it reached the relay. */
export interface Piece {
  data: Buffer
  /** performance.now() when the relay read it. */
  at: number
}

/** What a stage may do to the connection it is part of. */
export interface StageContext {
  /** Ends the whole connection (both sides), as a link that gives up does. */
  close(): void
  /** Aborted when the connection is gone: every wait ends. */
  signal: AbortSignal
}

/** One condition at work in one direction of one connection, with its own state (a byte count, a clock). */
export interface Stage {
  /** Passes `piece` on through `next`: later, in parts, or not at all. */
  pass(piece: Piece, next: (piece: Piece) => Promise<void>): Promise<void>
  /** The end of the stream (FIN) has reached this stage; resolves when it may go on. */
  end?(): Promise<void>
}

/**
 * One kind of link condition, whole, in the manner of Toxiproxy's toxics: its key in a link spec, how its
 * value is read, how it is shown, and the stage that applies it to a direction of a connection.
 */
export interface ConditionKind<C extends { kind: string }> {
  readonly kind: C['kind']
  parse(value: YamlCursor): C
  /** The condition as a link spec's entries again (`{ latency: '100ms', jitter: '10ms' }`), for control lines. */
  spec(condition: C): Record<string, unknown>
  describe(condition: C): string
  stage(condition: C, context: StageContext): Stage
}
