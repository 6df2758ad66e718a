import { JsonLineReader } from '../events/json-lines.js'

const COLOURS = ['\x1b[36m', '\x1b[32m', '\x1b[33m', '\x1b[35m', '\x1b[31m']

/** The demo's output: each line of each participant under a label, coloured on a terminal. */
export class DemoOutput {
  readonly #colour = process.stdout.isTTY === true && !process.env.NO_COLOR

  line(index: number, label: string, text: string): void {
    const tag = label.padEnd(9)
    process.stdout.write(`${this.#colour ? `${COLOURS[index % COLOURS.length]}${tag}\x1b[0m` : tag}| ${text}\n`)
  }

  /** A stream's lines under a label; a JSON log line shows its `msg` (the original's console line). */
  follow(index: number, label: string, stream: NodeJS.ReadableStream): void {
    const reader = new JsonLineReader()
    const show = (lines: ReturnType<JsonLineReader['push']>) => {
      for (const { line, value } of lines) {
        const msg = (value as { msg?: unknown } | undefined)?.msg
        this.line(index, label, typeof msg === 'string' ? msg : line)
      }
    }
    stream.on('data', (chunk: Buffer) => show(reader.push(chunk.toString('utf8'))))
    stream.on('end', () => show(reader.end()))
  }
}
