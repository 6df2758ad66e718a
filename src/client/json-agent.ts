import { createInterface } from 'node:readline'
import type { ClientOptions } from '../config/client-options.js'
import { SocklabError, isSocklabError } from '../errors/socklab-error.js'
import type { AgentInput, AgentOutput, LocalEnd } from './agent-protocol.js'
import { getTarget, type Reply, type Session } from './reply.js'
import { openSession } from './open-session.js'
import { serveRaw } from './raw-agent.js'

/** How an agent ended; `failedGets` counts gets that saved no file (exit 6, as for the console client). */
export type AgentOutcome = { kind: 'done'; failedGets: number } | { kind: 'failed'; error: SocklabError; failedGets: number }

/**
 * Runs the client as a JSON-lines agent: connects, reports the outcome, then runs each input line's command
 * or close, reporting every reply; ends after `exit`, a close, the end of input or the connection's end.
 * On `standby` it says `standby` and connects only at the input `{"connect": true}`, so a program can
 * start agents ahead of time and have each connect at the moment it chooses.
 */
export async function runJsonAgent(
  options: Readonly<ClientOptions>,
  io: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream },
  { standby = false } = {},
): Promise<AgentOutcome> {
  const emit = (message: AgentOutput) => io.output.write(`${JSON.stringify(message)}\n`)
  const rl = createInterface({ input: io.input, terminal: false })
  const lines = rl[Symbol.asyncIterator]()
  try {
    if (standby) {
      emit({ type: 'standby' })
      for (;;) {
        const next = await lines.next()
        if (next.done) return { kind: 'done', failedGets: 0 }
        if (next.value.trim() !== '' && 'connect' in parseInput(next.value)) break
      }
    }
    if (options.mode === 'raw') return await serveRaw(options, () => nextLine(lines), emit)
    return await serve(options, lines, emit)
  } finally {
    rl.close()
  }
}

async function serve(options: Readonly<ClientOptions>, lines: AsyncIterator<string>, emit: (message: AgentOutput) => void): Promise<AgentOutcome> {
  let local: LocalEnd = { address: '', port: 0 }
  let session
  try {
    session = await openSession(options, { onConnected: (end) => (local = end) })
  } catch (error) {
    if (!(error instanceof SocklabError)) throw error
    if (error.code === 'SOCKLAB_SERVER_FULL') emit({ type: 'rejected', message: error.message, ...local })
    else emit({ type: 'failed', code: error.code, message: error.message })
    return { kind: 'failed', error, failedGets: 0 }
  }
  emit({ type: 'connected', mode: session.mode, client: session.clientName, ...local })
  // The connection may end while no command is in flight (the server shut down, timed us out): that ends
  // the agent too, at once, not at its next command.
  const ended = session.closed.then(() => ({ done: true as const, value: undefined }))
  let lost: SocklabError | undefined
  let failedGets = 0
  /** The next input, or undefined at the end of input or of the connection. */
  const nextInput = async (): Promise<AgentInput | undefined> => {
    for (;;) {
      const next = await Promise.race([lines.next(), ended])
      if (next.done) return undefined
      if (next.value.trim() !== '') return parseInput(next.value)
    }
  }
  for (;;) {
    const input = await nextInput()
    if (!input) {
      // The end of input: leave as the scripted client does, with exit (unless the connection is gone).
      await session.send('exit').catch(() => undefined)
      break
    }
    // Nothing to release, and already connected; raw bytes are for --mode raw only.
    if ('release' in input || 'connect' in input) continue
    if ('send' in input) {
      emit({ type: 'error', command: '', code: 'SOCKLAB_CONFIG_INVALID', message: '{"send": …} is for --mode raw: this client speaks socklab\'s protocol', durationMs: 0 })
      continue
    }
    if ('close' in input) {
      session.abandon(input.close)
      break
    }
    const started = performance.now()
    const durationMs = () => Math.round(performance.now() - started)
    try {
      const reply = input.hold ? await sendHeld(session, input.command, nextInput, emit) : await session.send(input.command)
      emit({ type: 'reply', command: input.command, reply, durationMs: durationMs() })
      if (getTarget(input.command) !== undefined && reply.kind !== 'saved') failedGets += 1
      if (input.command === 'exit') break
    } catch (error) {
      if (!(error instanceof SocklabError)) throw error
      emit({ type: 'error', command: input.command, code: error.code, message: error.message, durationMs: durationMs() })
      if (isSocklabError(error, 'SOCKLAB_TRANSFER_FAILED')) failedGets += 1
      // A failed transfer or a refused input leaves the connection usable; anything else ends it.
      if (!isSocklabError(error, 'SOCKLAB_TRANSFER_FAILED') && !isSocklabError(error, 'SOCKLAB_CONFIG_INVALID')) {
        lost = error
        break
      }
    }
  }
  emit({ type: 'closed', reason: await session.closed })
  const failure = session.failure ?? lost
  return failure ? { kind: 'failed', error: failure, failedGets } : { kind: 'done', failedGets }
}

/**
 * Sends a command with `hold`: once its file starts arriving the client stops reading and says `held`, and
 * carries on at `{"release": true}` (or the end of input); `{"close": ...}` while held abandons the connection.
 */
async function sendHeld(
  session: Session,
  command: string,
  nextInput: () => Promise<AgentInput | undefined>,
  emit: (message: AgentOutput) => void,
): Promise<Reply> {
  const { hold, release } = session
  if (!hold || !release) throw new SocklabError('SOCKLAB_CONFIG_INVALID', 'hold needs framed mode: compatible mode has no transfer start to hold at')
  let markHeld!: (start: { name: string; size: number | undefined }) => void
  const held = new Promise<{ name: string; size: number | undefined }>((resolve) => (markHeld = resolve))
  const progress = { start: (name: string, size: number | undefined) => (hold.call(session), markHeld({ name, size })), advance() {}, stop() {} }
  const sending = session.send(command, { progress })
  const start = await Promise.race([sending.then(noStart, noStart), held])
  if (start) {
    emit({ type: 'held', command, ...start })
    for (;;) {
      const input = await nextInput()
      if (!input || 'release' in input) break
      if ('close' in input) {
        session.abandon(input.close)
        break
      }
    }
    release.call(session)
  }
  return sending
}

const noStart = (): undefined => undefined

/** The next input that is not blank, or undefined at the end of input. */
async function nextLine(lines: AsyncIterator<string>): Promise<AgentInput | undefined> {
  for (;;) {
    const next = await lines.next()
    if (next.done) return undefined
    if (next.value.trim() !== '') return parseInput(next.value)
  }
}

function parseInput(line: string): AgentInput {
  try {
    const value = JSON.parse(line) as AgentInput
    if (typeof value === 'object' && value !== null) {
      if ('command' in value && typeof value.command === 'string' && (value.hold === undefined || typeof value.hold === 'boolean')) return value
      if ('close' in value && (value.close === 'end' || value.close === 'reset')) return value
      if ('release' in value && value.release === true) return value
      if ('connect' in value && value.connect === true) return value
      if ('send' in value && typeof value.send === 'string') return value
    }
  } catch {
    // reported below
  }
  throw new SocklabError(
    'SOCKLAB_CONFIG_INVALID',
    `--json input must be {"command": "...", "hold"?: true}, {"release": true}, {"close": "end"|"reset"}, {"connect": true} or (--mode raw) {"send": "<base64>"}, got ${line}`,
  )
}
