/** One line of a JSON-lines stream: its text, and its parsed value (undefined when the line is not JSON). */
export interface JsonLine {
  line: string
  value: unknown
}

/**
 * Splits text that arrives in any chunking (a process's output, a container's log, an agent's answers) into
 * whole lines, each parsed as JSON where it is. The one reader behind every JSON-lines stream socklab reads.
 */
export class JsonLineReader {
  #partial = ''

  /** The lines completed by `text`; blank lines are skipped. */
  push(text: string): JsonLine[] {
    const lines = (this.#partial + text).split('\n')
    this.#partial = lines.pop()!
    return lines.filter((line) => line.trim() !== '').map(parseLine)
  }

  /** The unterminated rest, as a last line, at the end of the stream. */
  end(): JsonLine[] {
    const rest = this.#partial
    this.#partial = ''
    return rest.trim() === '' ? [] : [parseLine(rest)]
  }
}

function parseLine(line: string): JsonLine {
  try {
    return { line, value: JSON.parse(line) as unknown }
  } catch {
    return { line, value: undefined }
  }
}

/** True for a parsed value that is an object with a string field `key` (`event`, `type`). */
export function hasStringField<K extends string>(value: unknown, key: K): value is Record<K, string> {
  return typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>)[key] === 'string'
}
