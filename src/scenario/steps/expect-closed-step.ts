import type { StepBase } from '../scenario.js'
import { describeBytes } from '../../text/wire-bytes.js'
import { ref, stepMap } from './step-schema.js'
import { connected, say, StepFailed } from './step-context.js'
import { STEP_OPTIONS, type StepKind } from './step-kind.js'
import { closedWords } from './wire-expect.js'
import { protocolOf } from './wire-send.js'

export interface ExpectClosedStep extends StepBase {
  kind: 'expect_closed'
  client: string
  /** The way the server must close it, when the step says: `fin` (an orderly close) or `rst` (a reset). */
  how?: 'fin' | 'rst'
}

/**
 * `expect_closed: a` or `{ client: a, how: fin | rst }`: the server closes a text or byte client's connection
 * within the step's timeout; the result says which way (FIN or RST) and what came unread before.
 */
export const expectClosedStep: StepKind<ExpectClosedStep> = {
  kind: 'expect_closed',
  schema: { anyOf: [ref('client'), stepMap({ client: ref('client'), how: { enum: ['fin', 'rst'] } }, ['client'])] },
  parse(body, scope) {
    const e = body.isMap() ? body.entries(['client', 'how', ...STEP_OPTIONS]) : new Map([['client', body]])
    const cursor = e.get('client') ?? body.fail('a `client`')
    const client = scope.client(cursor)
    if (protocolOf(scope, client) === 'socklab') cursor.fail(`a text or byte client (protocol: text | bytes): ${client} speaks socklab's protocol (wait for its client_disconnected event instead)`)
    const how = e.get('how')?.oneOf(['fin', 'rst'] as const)
    return [{ ...scope.base, kind: 'expect_closed', client, ...(how ? { how } : {}) }]
  },
  checks: () => true,
  label: (step) => `expect ${step.client} closed by the server${step.how ? ` (${step.how.toUpperCase()})` : ''}`,
  async run(step, ctx, { signal }) {
    const { wire } = connected(ctx, step.client)
    let closed
    try {
      closed = await wire!.read((_, end) => (end ? { value: end, consumed: 0 } : undefined), signal)
    } catch (error) {
      if (ctx.signal.aborted || !signal.aborted) throw error
      throw new StepFailed(`${step.client} is still connected after ${step.timeoutMs} ms`, `closed by the server${step.how ? ` (${step.how.toUpperCase()})` : ''}`, `open; ${describeBytes(wire!.pending)} unread`)
    }
    say(ctx, { from: 'server', to: step.client, text: closed.how === 'fin' ? 'FIN (end of stream)' : closed.how === 'rst' ? 'RST (TCP reset)' : closed.reason })
    if (closed.how !== 'fin' && closed.how !== 'rst') throw new StepFailed(`${step.client}: ${closedWords(closed)}, not by the server`, 'closed by the server', closed.reason)
    if (step.how && closed.how !== step.how) throw new StepFailed(`${step.client}: ${closedWords(closed)}`, step.how.toUpperCase(), closed.how.toUpperCase())
    ctx.agents.delete(step.client)
    const unread = wire!.pending.length > 0 ? ` after ${describeBytes(wire!.pending)} unread` : ''
    return `${closedWords(closed)}${unread}`
  },
}

declare module './step.js' {
  interface StepTypes {
    expect_closed: ExpectClosedStep
  }
}
