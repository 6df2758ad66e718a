/** Edit distance (insertions, deletions, substitutions, and swaps of two neighbours). */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j += 1) rows[0]![j] = j
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1)
      rows[i]![j] = best
    }
  }
  return rows[a.length]![b.length]!
}

/** The known word closest to `word`, if it is close enough to be what was meant (a typo, or a prefix). */
export function closest(word: string, known: Iterable<string>): string | undefined {
  let best: string | undefined
  let bestScore = Infinity
  for (const candidate of known) {
    const score = candidate.startsWith(word) && word.length >= 3 ? 0.5 : editDistance(word, candidate)
    if (score < bestScore) [best, bestScore] = [candidate, score]
  }
  // A word changed whole (`b` for `a`) is no typo of it.
  const related = best !== undefined && bestScore < Math.min(word.length, best.length)
  return related && bestScore <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined
}
