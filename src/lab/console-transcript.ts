/** How long a console must stay quiet after printing a prompt (a last line with no newline) before it is taken as waiting for input. */
export const DEFAULT_PROMPT_SETTLE_MS = 150
/** How long a console that prints no prompt must stay quiet after its last full line before its answer is taken as complete. */
export const DEFAULT_QUIET_MS = 1_500

export interface ConsoleWait {
  signal: AbortSignal
  promptSettleMs?: number
  quietMs?: number
}

/**
 * What a program on a console (a student's `client.py`) has printed, read one answer at a time: `next`
 * returns what it printed since the previous answer, once it waits for input again. A program's console has
 * no framing, so "waiting" is read as a person at a terminal reads it: a prompt (text after the last newline,
 * like `You: `) and then nothing for a moment, or no prompt and nothing for longer, or the program's end.
 */
export class ConsoleTranscript {
  #text = ''
  #read = 0
  #ended = false
  #changed: (() => void) | undefined

  push(chunk: string): void {
    this.#text += chunk
    this.#changed?.()
  }

  end(): void {
    this.#ended = true
    this.#changed?.()
  }

  get ended(): boolean {
    return this.#ended
  }

  /** Everything printed, from the start. */
  get text(): string {
    return this.#text
  }

  /** What was printed since the last answer, once the program waits for input (or has ended). */
  next({ signal, promptSettleMs = DEFAULT_PROMPT_SETTLE_MS, quietMs = DEFAULT_QUIET_MS }: ConsoleWait): Promise<{ text: string; ended: boolean }> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined
      const finish = () => {
        clearTimeout(timer)
        this.#changed = undefined
        signal.removeEventListener('abort', abort)
        const text = this.#text.slice(this.#read)
        this.#read = this.#text.length
        resolve({ text, ended: this.#ended })
      }
      const abort = () => {
        clearTimeout(timer)
        this.#changed = undefined
        reject(signal.reason as Error)
      }
      const look = () => {
        clearTimeout(timer)
        if (this.#ended) return finish()
        const fresh = this.#text.slice(this.#read)
        if (fresh === '') return
        timer = setTimeout(finish, fresh.endsWith('\n') ? quietMs : promptSettleMs)
      }
      if (signal.aborted) return abort()
      signal.addEventListener('abort', abort, { once: true })
      this.#changed = look
      look()
    })
  }
}
