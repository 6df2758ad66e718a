import { SingleBar } from 'cli-progress'
import type { TransferProgress } from './transfer-progress.js'

/** A progress bar on standard error for a terminal; sizes unknown in compatible mode show bytes only. */
export function progressBar(stream: NodeJS.WriteStream): TransferProgress {
  let bar: SingleBar | undefined
  let value = 0
  return {
    start(name, size) {
      value = 0
      const format =
        size === undefined
          ? `get ${name} | {value} bytes`
          : `get ${name} [{bar}] {percentage}% | {value}/{total} bytes | eta {eta_formatted}`
      bar = new SingleBar({ stream, format, hideCursor: true, clearOnComplete: true, fps: 10 })
      bar.start(size ?? 0, 0)
    },
    advance(bytes) {
      value += bytes
      bar?.update(value)
    },
    stop() {
      bar?.stop()
      bar = undefined
    },
  }
}
