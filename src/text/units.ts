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

/** `8MiB`, `512 KiB`, `3 MB`, or a number of bytes. */
export function parseSize(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined
  const match = /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|kB|KB|MB|GB)?$/.exec(value.trim())
  if (!match) return undefined
  const factors: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, kB: 1000, KB: 1000, MB: 1e6, GB: 1e9 }
  return Math.round(Number(match[1]) * factors[match[2] ?? 'B']!)
}

/** `64KiB/s`, `1MB/s`, `10 Mbit/s`, or a number of bytes per second. */
export function parseRate(value: string | number): number | undefined {
  if (typeof value === 'number') return value > 0 ? value : undefined
  const match = /^(.+?)\s*\/\s*s$/.exec(value.trim())
  if (!match) return undefined
  const bits = /^(\d+(?:\.\d+)?)\s*(kbit|Kbit|Mbit|Gbit)$/.exec(match[1]!)
  if (bits) return (Number(bits[1]) * { kbit: 1e3, Kbit: 1e3, Mbit: 1e6, Gbit: 1e9 }[bits[2] as 'kbit']) / 8
  const bytes = parseSize(match[1]!)
  return bytes && bytes > 0 ? bytes : undefined
}

/** A size in the units a person reads: 512 B, 64 KiB, 1.5 MiB. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const [value, unit] = bytes < 1024 ** 2 ? [bytes / 1024, 'KiB'] : bytes < 1024 ** 3 ? [bytes / 1024 ** 2, 'MiB'] : [bytes / 1024 ** 3, 'GiB']
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`
}
