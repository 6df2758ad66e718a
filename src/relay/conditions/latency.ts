import { duration } from '../../values/duration.js'
import type { ConditionKind } from './condition-kind.js'
import { waitUntil } from './wait.js'

export interface Latency {
  kind: 'latency'
  ms: number
  /** Each piece is delayed by `ms` ± up to this much (uniformly), never reordered. */
  jitterMs: number
}

/**
 * `latency: 100ms` (and `jitter: 10ms` beside it): every piece leaves `ms` after it arrived, one way. Delays
 * do not add up: a piece waits only for its own time (or for the piece before it, so order is kept).
 */
export const latency: ConditionKind<Latency> = {
  kind: 'latency',
  parse: (value) => ({ kind: 'latency', ms: duration(value), jitterMs: 0 }),
  spec: (c) => ({ latency: `${c.ms}ms`, ...(c.jitterMs ? { jitter: `${c.jitterMs}ms` } : {}) }),
  describe: (c) => `latency ${c.ms} ms${c.jitterMs ? ` ± ${c.jitterMs} ms` : ''}`,
  stage(c, { signal }) {
    let last = 0
    return {
      async pass(piece, next) {
        const jitter = c.jitterMs ? (Math.random() * 2 - 1) * c.jitterMs : 0
        last = Math.max(last, piece.at + Math.max(0, c.ms + jitter))
        await waitUntil(last, signal)
        await next(piece)
      },
    }
  },
}
