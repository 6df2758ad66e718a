import { duration } from '../../values/duration.js'
import { parseSize } from '../../values/byte-size.js'
import type { ConditionKind } from './condition-kind.js'
import { waitUntil } from './wait.js'

export interface Slicer {
  kind: 'slicer'
  /** Average segment size in bytes. */
  size: number
  /** Each segment is `size` ± up to this many bytes. */
  variation: number
  delayMs: number
}

/**
 * `slicer: { size: 100, variation: 20, delay: 5ms }`: bytes are delivered in segments of about `size`,
 * `delay` apart, as a network that fragments does; a reader that expects a reply in one read sees pieces.
 */
export const slicer: ConditionKind<Slicer> = {
  kind: 'slicer',
  parse(value) {
    const e = value.entries(['size', 'variation', 'delay'])
    const sizeOf = (key: string, min: number) => {
      const cursor = e.get(key)
      if (!cursor) return undefined
      const bytes = parseSize(cursor.scalar() as string | number)
      if (bytes === undefined || bytes < min) return cursor.fail(`a size of ${min} or more bytes`)
      return bytes
    }
    const size = sizeOf('size', 1) ?? value.fail('`size`: the average segment size')
    const variation = sizeOf('variation', 0) ?? 0
    if (variation >= size) e.get('variation')!.fail(`a variation smaller than the size (${size})`)
    return { kind: 'slicer', size, variation, delayMs: e.get('delay') ? duration(e.get('delay')!) : 0 }
  },
  spec: (c) => ({ slicer: { size: c.size, variation: c.variation, ...(c.delayMs ? { delay: `${c.delayMs}ms` } : {}) } }),
  describe: (c) => `slicer ${c.size}${c.variation ? ` ± ${c.variation}` : ''} B${c.delayMs ? `, ${c.delayMs} ms apart` : ''}`,
  stage(c, { signal }) {
    let next = 0
    return {
      async pass(piece, onward) {
        for (let offset = 0; offset < piece.data.length; ) {
          const length = c.size + Math.round((Math.random() * 2 - 1) * c.variation)
          const part = piece.data.subarray(offset, offset + length)
          offset += part.length
          await waitUntil(next, signal)
          await onward({ data: part, at: piece.at })
          next = performance.now() + c.delayMs
        }
      },
    }
  },
}
