import { closest } from '../text/did-you-mean.js'

/** `did you mean …?` for a near miss, or nothing. */
export function suggestion(word: string, known: readonly string[]): string | undefined {
  const near = closest(word, known)
  return near ? `did you mean ${near}?` : undefined
}
