import type { ConditionKind } from './condition-kind.js'

export interface Blackhole {
  kind: 'blackhole'
}

/**
 * `blackhole: true`: bytes are read and dropped, and the connection is never closed (Toxiproxy's `timeout`
 * with 0): the sender sees its writes accepted and nothing ever answers. Only a timeout ends it.
 */
export const blackhole: ConditionKind<Blackhole> = {
  kind: 'blackhole',
  parse(value) {
    if (value.scalar() !== true) value.fail('true (drop every byte)')
    return { kind: 'blackhole' }
  },
  spec: () => ({ blackhole: true }),
  describe: () => 'black hole',
  stage: () => ({
    pass: async () => undefined,
    // The end of the stream is swallowed too: nothing gets through, not even a close.
    end: () => new Promise<void>(() => undefined),
  }),
}
