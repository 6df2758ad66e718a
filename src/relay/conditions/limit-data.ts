import { parseSize } from '../../values/byte-size.js'
import { formatSize } from '../../values/byte-size.js'
import type { ConditionKind } from './condition-kind.js'

export interface LimitData {
  kind: 'limit_data'
  bytes: number
}

/** `limit_data: 1MiB`: that many bytes pass (counted from when it is set), then the connection is closed. */
export const limitData: ConditionKind<LimitData> = {
  kind: 'limit_data',
  parse(value) {
    const bytes = parseSize(value.scalar() as string | number)
    if (bytes === undefined) return value.fail('a size such as 1MiB or a number of bytes')
    return { kind: 'limit_data', bytes }
  },
  spec: (c) => ({ limit_data: c.bytes }),
  describe: (c) => `limit ${formatSize(c.bytes)}`,
  stage(c, { close }) {
    let left = c.bytes
    return {
      async pass(piece, next) {
        if (left <= 0) return
        const part = piece.data.length <= left ? piece.data : piece.data.subarray(0, left)
        left -= part.length
        if (part.length > 0) await next({ data: part, at: piece.at })
        if (left <= 0) close()
      },
    }
  },
}
