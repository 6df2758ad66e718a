import { createInterface } from 'node:readline'
import { Readable } from 'node:stream'
import { setTimeout as delay } from 'node:timers/promises'
import { SocklabError, isSocklabError } from '../errors/socklab-error.js'
import { CLIENT_BANNER, CLIENT_DISCONNECTED, CLIENT_PROMPT } from '../protocol/original-text.js'
import { formatReply } from './format-reply.js'
import { getTarget, type Session } from './reply.js'
import type { TransferProgress } from './transfer-progress.js'
import { terminalText } from '../text/visible-text.js'

export interface ConsoleIo {
  /** Commands to run instead of reading input (`--command`), followed by exit. */
  commands?: readonly string[]
  /** Wait this long before the final exit. */
  holdMs?: number
  /** With holdMs: stop waiting early when this resolves (the demo's rejection signal). */
  holdUntil?: (signal: AbortSignal) => Promise<unknown>
  input: NodeJS.ReadableStream
  output: NodeJS.WritableStream
  errors: NodeJS.WritableStream
  /** A person at a terminal: prompt `You: `; otherwise one command per input line, no prompt. */
  interactive: boolean
  /** Output goes to a terminal: what the server sent is shown with its control characters escaped. */
  escape?: boolean
  progress?: TransferProgress
}

/**
 * How the session ended. `failedGets` counts the gets that saved no file under their name (a refusal, a
 * text in place of the file, a short, oversized or mismatched transfer): any makes the exit code 6.
 */
export type ConsoleOutcome =
  | { kind: 'done'; failedGets: number }
  | { kind: 'lost'; error: SocklabError; failedGets: number }
  /** Ctrl-C while scripted (a get in flight is cancelled first): exit 130. */
  | { kind: 'interrupted' }

const CLOSED = Symbol('closed')
const INTERRUPTED = Symbol('interrupted')

/**
 * The client's console: the original's banner, `You: ` prompt and `Server: <reply>` lines. Ends after
 * `exit`, at the end of input (sending `exit` first), or when the server goes away.
 *
 * Ctrl-C during a `get` cancels it at once (the partial file is removed) and says how much had arrived; at
 * a terminal the prompt comes back, scripted the client ends (exit 130). Ctrl-C at the prompt ends the
 * session as the end of input does.
 */
export async function runConsole(session: Session, io: ConsoleIo): Promise<ConsoleOutcome> {
  const shown = io.escape ? terminalText : (text: string) => text
  const print = (line: string) => io.output.write(`${shown(line)}\n`)
  const interactive = io.interactive && io.commands === undefined
  const rl = createInterface({
    input: io.commands ? Readable.from([]) : io.input,
    output: interactive ? io.output : undefined,
    terminal: interactive,
    prompt: CLIENT_PROMPT,
  })
  const lines = io.commands ? io.commands[Symbol.iterator]() : rl[Symbol.asyncIterator]()
  const closed = session.closed.then((reason) => ({ [CLOSED]: reason }))
  let interrupt!: () => void
  const interrupted = new Promise<{ [INTERRUPTED]: true }>((resolve) => (interrupt = () => resolve({ [INTERRUPTED]: true })))
  // At a terminal readline reads Ctrl-C as a key; otherwise it arrives as a signal.
  const onInterrupt = () => {
    if (session.cancel()) return
    if (interactive) rl.close()
    else interrupt()
  }
  if (interactive) rl.on('SIGINT', onInterrupt)
  else process.on('SIGINT', onInterrupt)
  let failedGets = 0
  const lost = (error: SocklabError): ConsoleOutcome => ({ kind: 'lost', error: session.failure ?? error, failedGets })
  print(CLIENT_BANNER)
  try {
    for (;;) {
      if (interactive) rl.prompt()
      let next = await Promise.race([lines.next(), closed, interrupted])
      if (INTERRUPTED in next) return { kind: 'interrupted' }
      if (CLOSED in next) {
        if (interactive) io.output.write('\n') // leave the prompt's line
        return lost(new SocklabError('SOCKLAB_CONNECTION_LOST', next[CLOSED]))
      }
      const command = next.done ? 'exit' : next.value
      if (command.length === 0) continue
      if (command === 'exit' && io.holdMs) {
        const held = new AbortController()
        const hold = [delay(io.holdMs, undefined, { signal: held.signal }), ...(io.holdUntil ? [io.holdUntil(held.signal)] : [])]
        next = await Promise.race([Promise.race(hold).catch(() => undefined).then(() => next), closed]).finally(() => held.abort())
        if (CLOSED in next) return lost(new SocklabError('SOCKLAB_CONNECTION_LOST', next[CLOSED]))
      }
      try {
        const get = getTarget(command) !== undefined
        const reply = await session.send(command, { progress: get ? io.progress : undefined })
        if (reply.kind !== 'bye') print(formatReply(reply))
        if (get && reply.kind !== 'saved') failedGets += 1
      } catch (error) {
        if (isSocklabError(error, 'SOCKLAB_TRANSFER_CANCELLED')) {
          print(error.message)
          if (!interactive) return { kind: 'interrupted' }
          continue
        }
        if (!isSocklabError(error, 'SOCKLAB_TRANSFER_FAILED')) throw error
        failedGets += 1
        io.errors.write(`get failed: ${shown(error.message)}\n`)
      }
      if (command === 'exit') {
        print(CLIENT_DISCONNECTED)
        return { kind: 'done', failedGets }
      }
    }
  } catch (error) {
    if (error instanceof SocklabError) return lost(error)
    throw error
  } finally {
    process.off('SIGINT', onInterrupt)
    rl.close()
    session.close()
  }
}
