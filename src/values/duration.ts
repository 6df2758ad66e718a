import type { YamlCursor } from './yaml-cursor.js'

/** The longest delay a Node timer takes (2^31 − 1 ms): any longer overflows, and the timer fires after 1 ms. */
export const TIMER_MAX_MS = 2 ** 31 - 1
export const LONGEST_TIMER = 'about 24.8 days, the longest timer Node supports'

/** `10s`, `500ms`, `2m` or a number of milliseconds. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return value >= 0 ? value : undefined
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m)$/.exec(value.trim())
  if (!match) return undefined
  const factor = { ms: 1, s: 1000, m: 60_000 }[match[2] as 'ms' | 's' | 'm']
  return Math.round(Number(match[1]) * factor)
}

/** A duration such as 500ms, 10s or 2m. */
export function duration(cursor: YamlCursor): number {
  const ms = parseDuration(cursor.scalar() as string | number)
  if (ms === undefined || ms <= 0) return cursor.fail('a duration such as 500ms, 10s or 2m')
  if (ms > TIMER_MAX_MS) return cursor.fail(`a duration of at most ${Math.floor(TIMER_MAX_MS / 60_000)}m (${LONGEST_TIMER})`)
  return ms
}
