import { createInterface } from 'node:readline'
import { Readable } from 'node:stream'
import { setTimeout as delay } from 'node:timers/promises'
import { SocklabError, isSocklabError } from '../errors/socklab-error.js'
import { CLIENT_BANNER, CLIENT_DISCONNECTED, CLIENT_PROMPT } from '../protocol/original-text.js'
import { formatReply } from './format-reply.js'
import type { Session, TransferProgress } from './reply.js'

export interface ConsoleIo {
  /** Commands to run instead of reading input (`--command`), followed by exit. */
  commands?: readonly string[]
  /** Wait this long before the final exit. */
  holdMs?: number
  input: NodeJS.ReadableStream
  output: NodeJS.WritableStream
  errors: NodeJS.WritableStream
  /** A person at a terminal: prompt `You: `; otherwise one command per input line, no prompt. */
  interactive: boolean
  progress?: TransferProgress
}

export type ConsoleOutcome =
  | { kind: 'done'; failedTransfers: number }
  | { kind: 'lost'; error: SocklabError }
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
  const print = (line: string) => io.output.write(`${line}\n`)
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
  let failedTransfers = 0
  print(CLIENT_BANNER)
  try {
    for (;;) {
      if (interactive) rl.prompt()
      let next = await Promise.race([lines.next(), closed, interrupted])
      if (INTERRUPTED in next) return { kind: 'interrupted' }
      if (CLOSED in next) {
        if (interactive) io.output.write('\n') // leave the prompt's line
        return { kind: 'lost', error: new SocklabError('SOCKLAB_CONNECTION_LOST', next[CLOSED]) }
      }
      const command = next.done ? 'exit' : next.value
      if (command.length === 0) continue
      if (command === 'exit' && io.holdMs) {
        next = await Promise.race([delay(io.holdMs).then(() => next), closed])
        if (CLOSED in next) return { kind: 'lost', error: new SocklabError('SOCKLAB_CONNECTION_LOST', next[CLOSED]) }
      }
      try {
        const reply = await session.send(command, { progress: command.startsWith('get ') ? io.progress : undefined })
        if (reply.kind !== 'bye') print(formatReply(reply))
      } catch (error) {
        if (isSocklabError(error, 'SOCKLAB_TRANSFER_CANCELLED')) {
          print(error.message)
          if (!interactive) return { kind: 'interrupted' }
          continue
        }
        if (!isSocklabError(error, 'SOCKLAB_TRANSFER_FAILED')) throw error
        failedTransfers += 1
        io.errors.write(`get failed: ${error.message}\n`)
      }
      if (command === 'exit') {
        print(CLIENT_DISCONNECTED)
        return { kind: 'done', failedTransfers }
      }
    }
  } catch (error) {
    if (error instanceof SocklabError) return { kind: 'lost', error }
    throw error
  } finally {
    process.off('SIGINT', onInterrupt)
    rl.close()
    session.close()
  }
}
