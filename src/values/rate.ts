import { parseSize } from './byte-size.js'

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
