import { DEFAULT_STEP_TIMEOUT_MS, type StepBase } from '../scenario.js'
import { describeBytes } from '../../text/wire-bytes.js'
import { duration } from '../../values/duration.js'
import { ref, stepMap } from './step-schema.js'
import { say, StepFailed } from './step-context.js'
import { STEP_OPTIONS, type StepKind } from './step-kind.js'
import { closedWords } from './wire-expect.js'
import { protocolOf, wireClient } from './wire-send.js'

export interface ExpectSilenceStep extends StepBase {
  kind: 'expect_silence'
  client: string
  forMs: number
}

/** Time beyond `for` a silence step is given by default (to start and to report). */
const SILENCE_MARGIN_MS = 1_000

/**
 * `expect_silence: { client: a, for: 500ms }`: nothing comes to a text or byte client for that long, and its
 * connection stays open (a server that must not broadcast to the sender, or must not answer yet). Bytes
 * already unread fail it at once.
 */
export const expectSilenceStep: StepKind<ExpectSilenceStep> = {
  kind: 'expect_silence',
  schema: stepMap({ client: ref('client'), for: ref('duration') }, ['client', 'for']),
  parse(body, scope) {
    const e = body.entries(['client', 'for', ...STEP_OPTIONS])
    const cursor = e.get('client') ?? body.fail('a `client`')
    const client = scope.client(cursor)
    if (protocolOf(scope, client) === 'socklab') cursor.fail(`a text or byte client (protocol: text | bytes): ${client} speaks socklab's protocol`)
    const forCursor = e.get('for') ?? body.fail('a `for`: how long nothing may come (500ms)')
    const forMs = duration(forCursor)
    if (scope.timeoutGiven && scope.base.timeoutMs <= forMs) forCursor.fail(`a silence shorter than the step's timeout (${scope.base.timeoutMs} ms)`)
    const timeoutMs = scope.timeoutGiven ? scope.base.timeoutMs : Math.max(DEFAULT_STEP_TIMEOUT_MS, forMs + SILENCE_MARGIN_MS)
    return [{ ...scope.base, timeoutMs, kind: 'expect_silence', client, forMs }]
  },
  checks: () => true,
  label: (step) => `expect silence on ${step.client} for ${step.forMs} ms`,
  async run(step, ctx, { signal }) {
    const { wire } = wireClient(ctx, step.client)
    // A timer of its own, held here: a timeout signal inside AbortSignal.any may be collected before it fires.
    const over = new AbortController()
    const timer = setTimeout(() => over.abort(), step.forMs)
    const quiet = AbortSignal.any([signal, over.signal])
    const broke = await wire
      .read((pending, closed) => (pending.length > 0 || closed ? { value: { pending: Buffer.from(pending), closed }, consumed: 0 } : undefined), quiet)
      .catch((error: unknown) => {
        if (signal.aborted) throw error
        return undefined
      })
      .finally(() => clearTimeout(timer))
    if (!broke) return `nothing came for ${step.forMs} ms`
    if (broke.pending.length > 0) {
      say(ctx, { from: 'server', to: step.client, text: describeBytes(broke.pending) })
      throw new StepFailed(`${step.client} received bytes during the ${step.forMs} ms of silence`, 'nothing', describeBytes(broke.pending))
    }
    throw new StepFailed(`${step.client}: ${closedWords(broke.closed!)} during the ${step.forMs} ms of silence`, 'nothing, and the connection open', closedWords(broke.closed!))
  },
}

declare module './step.js' {
  interface StepTypes {
    expect_silence: ExpectSilenceStep
  }
}
