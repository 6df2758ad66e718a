import { duration } from '../../values/duration.js'
import type { ConditionKind } from './condition-kind.js'
import { waitUntil } from './wait.js'

export interface SlowClose {
  kind: 'slow_close'
  delayMs: number
}

/** `slow_close: 2s`: the end of the stream (FIN) is passed on that much later; bytes are not delayed. */
export const slowClose: ConditionKind<SlowClose> = {
  kind: 'slow_close',
  parse: (value) => ({ kind: 'slow_close', delayMs: duration(value) }),
  spec: (c) => ({ slow_close: `${c.delayMs}ms` }),
  describe: (c) => `slow close ${c.delayMs} ms`,
  stage(c, { signal }) {
    return {
      pass: (piece, next) => next(piece),
      end: () => waitUntil(performance.now() + c.delayMs, signal),
    }
  },
}
