import type { YamlCursor } from './yaml-cursor.js'

/** A regular expression's source from a file, checked to compile (the error points at it). */
export function regexSource(cursor: YamlCursor): string {
  const pattern = cursor.string()
  try {
    new RegExp(pattern)
  } catch {
    cursor.fail('a valid regular expression')
  }
  return pattern
}
