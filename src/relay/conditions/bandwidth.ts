import { parseRate } from '../../values/rate.js'
import type { ConditionKind } from './condition-kind.js'
import { waitUntil } from './wait.js'

export interface Bandwidth {
  kind: 'bandwidth'
  bytesPerSecond: number
}

/** The longest a piece may take at the rate: larger ones are split, so the flow is even. */
const SLICE_MS = 50

/** `bandwidth: 64KiB/s` (or `1MB/s`, `10Mbit/s`, bytes per second): bytes leave no faster than the rate. */
export const bandwidth: ConditionKind<Bandwidth> = {
  kind: 'bandwidth',
  parse(value) {
    const rate = parseRate(value.scalar() as string | number)
    if (rate === undefined) return value.fail('a rate such as 64KiB/s, 1MB/s or 10Mbit/s')
    return { kind: 'bandwidth', bytesPerSecond: rate }
  },
  spec: (c) => ({ bandwidth: `${c.bytesPerSecond}B/s` }),
  describe: (c) => `bandwidth ${formatRate(c.bytesPerSecond)}`,
  stage(c, { signal }) {
    const slice = Math.max(1, Math.floor((c.bytesPerSecond * SLICE_MS) / 1000))
    /** When the link is free again: each byte takes 1/rate of a second. */
    let free = 0
    return {
      async pass(piece, next) {
        for (let offset = 0; offset < piece.data.length; offset += slice) {
          const part = piece.data.subarray(offset, offset + slice)
          const start = Math.max(free, performance.now())
          free = start + (part.length * 1000) / c.bytesPerSecond
          // A part leaves once it has been "sent" at the rate: when its last byte is through.
          await waitUntil(free, signal)
          await next({ data: part, at: piece.at })
        }
      },
    }
  },
}

export function formatRate(bytesPerSecond: number): string {
  if (bytesPerSecond >= 1e6) return `${+(bytesPerSecond / 1e6).toFixed(2)} MB/s`
  if (bytesPerSecond >= 1e3) return `${+(bytesPerSecond / 1e3).toFixed(2)} kB/s`
  return `${+bytesPerSecond.toFixed(2)} B/s`
}
