/** `8MiB`, `512 KiB`, `3 MB`, or a number of bytes. */
export function parseSize(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined
  const match = /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|kB|KB|MB|GB)?$/.exec(value.trim())
  if (!match) return undefined
  const factors: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, kB: 1000, KB: 1000, MB: 1e6, GB: 1e9 }
  return Math.round(Number(match[1]) * factors[match[2] ?? 'B']!)
}
/** A size in the units a person reads: 512 B, 64 KiB, 1.5 MiB. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const [value, unit] = bytes < 1024 ** 2 ? [bytes / 1024, 'KiB'] : bytes < 1024 ** 3 ? [bytes / 1024 ** 2, 'MiB'] : [bytes / 1024 ** 3, 'GiB']
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`
}
