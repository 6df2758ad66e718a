import { JsonLineReader, type JsonLine } from '../events/json-lines.js'

const COLOURS = ['\x1b[36m', '\x1b[32m', '\x1b[33m', '\x1b[35m', '\x1b[31m']

/** The demo's output: each line of each participant under a label, coloured on a terminal. */
export class DemoOutput {
  readonly #colour = process.stdout.isTTY === true && !process.env.NO_COLOR

  line(index: number, label: string, text: string): void {
    const tag = label.padEnd(9)
    process.stdout.write(`${this.#colour ? `${COLOURS[index % COLOURS.length]}${tag}\x1b[0m` : tag}| ${text}\n`)
  }

  /**
   * A stream's lines under a label; a JSON log line shows its `msg` (the original's console line). Each line
   * is also handed to `onLine` (the demo reads the server's events from it). Resolves at the stream's end.
   */
  follow(index: number, label: string, stream: NodeJS.ReadableStream, onLine?: (line: JsonLine) => void): Promise<void> {
    const reader = new JsonLineReader()
    const show = (lines: readonly JsonLine[]) => {
      for (const line of lines) {
        onLine?.(line)
        const msg = (line.value as { msg?: unknown } | undefined)?.msg
        if (line.line) this.line(index, label, typeof msg === 'string' ? msg : line.line)
      }
    }
    stream.on('data', (chunk: Buffer) => show(reader.push(chunk.toString('utf8'))))
    return new Promise((resolve) => stream.once('end', () => (show(reader.end()), resolve())))
  }
}
