import { createInterface } from 'node:readline'
import type { ClientOptions } from '../config/client-options.js'
import { SocklabError, isSocklabError } from '../errors/socklab-error.js'
import type { AgentInput, AgentOutput, LocalEnd } from './agent-protocol.js'
import { openSession } from './open-session.js'

export type AgentOutcome = { kind: 'done' } | { kind: 'failed'; error: SocklabError }

/**
 * Runs the client as a JSON-lines agent: connects, reports the outcome, then runs each input line's command
 * or close, reporting every reply; ends after `exit`, a close, the end of input or the connection's end.
 */
export async function runJsonAgent(
  options: Readonly<ClientOptions>,
  io: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream },
): Promise<AgentOutcome> {
  const emit = (message: AgentOutput) => io.output.write(`${JSON.stringify(message)}\n`)
  let local: LocalEnd = { address: '', port: 0 }
  let session
  try {
    session = await openSession(options, { onConnected: (end) => (local = end) })
  } catch (error) {
    if (!(error instanceof SocklabError)) throw error
    if (error.code === 'SOCKLAB_SERVER_FULL') emit({ type: 'rejected', message: error.message, ...local })
    else emit({ type: 'failed', code: error.code, message: error.message })
    return { kind: 'failed', error }
  }
  emit({ type: 'connected', mode: session.mode, client: session.clientName, ...local })
  const rl = createInterface({ input: io.input, terminal: false })
  const lines = rl[Symbol.asyncIterator]()
  // The connection may end while no command is in flight (the server shut down, timed us out): that ends
  // the agent too, at once, not at its next command.
  const ended = session.closed.then(() => ({ done: true as const, value: undefined }))
  let lost: SocklabError | undefined
  try {
    for (;;) {
      const next = await Promise.race([lines.next(), ended])
      if (next.done) break
      const line = next.value
      if (line.trim() === '') continue
      const input = parseInput(line)
      if ('close' in input) {
        session.abandon(input.close)
        break
      }
      const started = performance.now()
      const durationMs = () => Math.round(performance.now() - started)
      try {
        const reply = await session.send(input.command)
        emit({ type: 'reply', command: input.command, reply, durationMs: durationMs() })
        if (input.command === 'exit') break
      } catch (error) {
        if (!(error instanceof SocklabError)) throw error
        emit({ type: 'error', command: input.command, code: error.code, message: error.message, durationMs: durationMs() })
        if (!isSocklabError(error, 'SOCKLAB_TRANSFER_FAILED')) {
          lost = error
          break
        }
      }
    }
  } finally {
    rl.close()
  }
  emit({ type: 'closed', reason: await session.closed })
  return lost ? { kind: 'failed', error: lost } : { kind: 'done' }
}

function parseInput(line: string): AgentInput {
  try {
    const value = JSON.parse(line) as AgentInput
    if (typeof value === 'object' && value !== null) {
      if ('command' in value && typeof value.command === 'string') return value
      if ('close' in value && (value.close === 'end' || value.close === 'reset')) return value
    }
  } catch {
    // reported below
  }
  throw new SocklabError('SOCKLAB_CONFIG_INVALID', `--json input must be {"command": "..."} or {"close": "end"|"reset"}, got ${line}`)
}
