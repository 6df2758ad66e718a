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

const CLOSED = Symbol('closed')

/**
 * The client's console: the original's banner, `You: ` prompt and `Server: <reply>` lines. Ends after
 * `exit`, at the end of input (sending `exit` first), or when the server goes away.
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
  let failedTransfers = 0
  print(CLIENT_BANNER)
  try {
    for (;;) {
      if (interactive) rl.prompt()
      let next = await Promise.race([lines.next(), closed])
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
    rl.close()
    session.close()
  }
}
