/** Summary statistics for repeated measurements: these machines are noisy, so medians and spreads. */
export interface Summary {
  median: number
  min: number
  max: number
  /** (max - min) / median, as a fraction. */
  spread: number
  n: number
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[index]!
}

export function summarize(values: readonly number[]): Summary {
  const median = percentile(values, 50)
  const min = Math.min(...values)
  const max = Math.max(...values)
  return { median, min, max, spread: median === 0 ? 0 : (max - min) / median, n: values.length }
}

export const MiB = 1024 * 1024
export const mbPerSecond = (bytes: number, ms: number): number => bytes / 1e6 / (ms / 1000)

export const round = (value: number, digits = 0): number => Math.round(value * 10 ** digits) / 10 ** digits
