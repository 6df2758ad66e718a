import { setMaxListeners } from 'node:events'
import type { AgentOutput } from '../../client/agent-protocol.js'
import { describeBytes, printableText } from '../../text/wire-bytes.js'
import type { ScenarioClient } from '../scenario.js'
import type { WireClosed, WireStream } from '../wire-stream.js'
import { startAgent, stopAgent } from './agents.js'
import type { ConnectGroup } from './client-group.js'
import { describeOutput } from './replies.js'
import { say, StepFailed, type StepContext } from './step-context.js'
import { closedWords } from './wire-expect.js'

/**
 * `connect` for text and byte clients. A server of any protocol admits a client by keeping its connection;
 * it turns one away by refusing it, closing it (FIN or RST), or saying so (the client's `rejected_when:`, a
 * regex) before it closes. An admitted client is one connected and not yet turned away; `expect: rejected`
 * waits, within the step's timeout, for one of those to happen.
 */

type Turned = { said?: string; closed?: WireClosed }

/** A connect step of one client (connect-step.ts's ConnectOne). */
interface ConnectOne {
  client: string
  expect: 'admitted' | 'rejected'
  as?: string
  timeoutMs: number
}

const declared = (ctx: StepContext, name: string): ScenarioClient => ctx.scenario.clients.find((c) => c.name === name)!

/** Turned away by now: the server's words matching `rejected_when`, or the connection's end. */
function turnedAway(client: ScenarioClient, wire: WireStream): Turned | undefined {
  if (client.rejectedWhen) {
    const text = printableText(wire.pending) ?? wire.pending.toString('latin1')
    const found = new RegExp(client.rejectedWhen).exec(text)
    if (found) return { said: text.trim() }
  }
  return wire.closed ? { closed: wire.closed } : undefined
}

const turnedWords = (turned: Turned): string => (turned.said !== undefined ? turned.said : closedWords(turned.closed!))

/** Closes a turned-away client's connection (when the server has not) and forgets it. */
async function letGo(ctx: StepContext, name: string, signal: AbortSignal): Promise<void> {
  const entry = ctx.agents.get(name)
  if (!entry) return
  if (entry.wire?.closed) {
    ctx.agents.delete(name)
    await entry.agent.exited
    return
  }
  await stopAgent(ctx, name, 'close', signal, true)
}

const refused = (first: AgentOutput): first is Extract<AgentOutput, { type: 'failed' }> => first.type === 'failed' && first.code === 'SOCKLAB_CONNECT_FAILED'

export async function connectWire(step: ConnectOne, ctx: StepContext, signal: AbortSignal): Promise<string> {
  if (step.as) throw new StepFailed(`${step.client} speaks plain TCP: a server of any protocol gives it no name to check (\`as:\`)`)
  const client = declared(ctx, step.client)
  const first = await startAgent(ctx, step.client, signal)
  say(ctx, { from: step.client, to: 'server', text: 'connect' })
  if (refused(first) && step.expect === 'rejected') {
    say(ctx, { from: 'server', to: step.client, text: 'refused' })
    return `refused: ${first.message}`
  }
  if (first.type !== 'connected') throw new StepFailed(`${step.client} could not connect`, step.expect, describeOutput(first))
  const { wire } = ctx.agents.get(step.client)!
  const at = `${first.address}:${first.port}`
  if (step.expect === 'admitted') {
    say(ctx, { from: 'server', to: step.client, text: 'connected' })
    const turned = turnedAway(client, wire!)
    if (turned) throw new StepFailed(`${step.client} was turned away`, 'admitted', turnedWords(turned))
    return `connected from ${at}`
  }
  let turned: Turned
  try {
    turned = await wire!.read((_, closed) => {
      const now = turnedAway(client, wire!)
      return now || closed ? { value: now ?? { closed: closed! }, consumed: 0 } : undefined
    }, signal)
  } catch (error) {
    if (ctx.signal.aborted || !signal.aborted) throw error
    say(ctx, { from: 'server', to: step.client, text: 'connected' })
    const how = client.rejectedWhen ? `no close, and nothing matching /${client.rejectedWhen}/` : 'no close (give the client `rejected_when:` if the server says so first)'
    throw new StepFailed(`${step.client} was admitted: still connected after ${step.timeoutMs} ms`, 'rejected', `${how}; received ${describeBytes(wire!.pending)}`)
  }
  say(ctx, { from: 'server', to: step.client, text: turnedWords(turned) })
  await letGo(ctx, step.client, signal)
  return `turned away from ${at}: ${turned.said !== undefined ? JSON.stringify(turned.said) : closedWords(turned.closed!)}`
}

/** A group of text or byte clients connecting at once: counted as admitted and turned away. */
export async function connectWireGroup(step: ConnectGroup, ctx: StepContext, signal: AbortSignal): Promise<string> {
  say(ctx, { from: step.group, to: 'server', text: `connect × ${step.members.length}` })
  const outcomes = await Promise.all(step.members.map((member) => startAgent(ctx, member, signal)))
  const failed = outcomes.map((o, i) => [step.members[i]!, o] as const).filter(([, o]) => o.type !== 'connected' && !refused(o))
  if (failed.length > 0) {
    const [member, output] = failed[0]!
    throw new StepFailed(`${failed.length} of ${step.members.length} could not connect`, 'admitted or rejected', `${member}: ${describeOutput(output)}`)
  }
  const wantRejected = step.rejected ?? (step.admitted === undefined ? 0 : step.members.length - step.admitted)
  const connected = step.members.filter((_, i) => outcomes[i]!.type === 'connected')
  const away = new Set(step.members.filter((_, i) => refused(outcomes[i]!)))
  // Wait until as many are turned away as the step expects (a server says so at once, or closes).
  const watching = new AbortController()
  const within = AbortSignal.any([signal, watching.signal])
  setMaxListeners(0, within)
  const enough = new Promise<void>((resolve) => {
    const check = () => away.size >= wantRejected && resolve()
    check()
    for (const member of connected) {
      const { wire } = ctx.agents.get(member)!
      const client = declared(ctx, member)
      wire!
        .read((_, closed) => (turnedAway(client, wire!) || closed ? { value: true, consumed: 0 } : undefined), within)
        .then(() => (away.add(member), check()), () => undefined)
    }
  })
  const summary = () => `${step.members.length - away.size} admitted, ${away.size} turned away`
  try {
    await Promise.race([enough, new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }))])
  } catch (error) {
    if (ctx.signal.aborted) throw error
  } finally {
    watching.abort()
  }
  say(ctx, { from: 'server', to: step.group, text: summary() })
  await Promise.all([...away].map((member) => letGo(ctx, member, ctx.signal)))
  const wantAdmitted = step.members.length - wantRejected
  if (away.size !== wantRejected) {
    throw new StepFailed(`${step.group}: ${summary()}, not ${wantAdmitted} admitted`, `${wantAdmitted} admitted, ${wantRejected} turned away`, summary())
  }
  return summary()
}
