import { setTimeout as delay } from 'node:timers/promises'
import type { AgentOutput } from '../client/agent-protocol.js'
import { localFileName } from '../client/local-file-name.js'
import type { Reply } from '../client/reply.js'
import type { LoggedEvent } from '../events/event-stream.js'
import type { ServerEventName } from '../events/server-event.js'
import { KILLED, type EventFields, type ReplyMatcher, type Scenario, type Step, type TargetKind } from './scenario.js'
import type { Message, StepResult } from './scenario-result.js'
import { fillTemplate, type ClientFacts } from './template.js'
import type { ClientAgent, TargetRun } from './targets/scenario-target.js'

/** Everything steps share while one scenario runs. */
export interface StepContext {
  scenario: Scenario
  run: TargetRun
  facts: ClientFacts
  /** Connected clients' agents, by scenario client name. */
  agents: Map<string, { agent: ClientAgent; mode: 'framed' | 'compat' }>
  /** How many times each client has connected (each connection is a fresh process or container). */
  connections: Map<string, number>
  messages: Message[]
  /** The whole run's: aborted when it is interrupted. */
  signal: AbortSignal
  /** Where the run's server is: a client that cannot reach a remote server means the target is unusable. */
  targetKind: TargetKind
  onStep?(result: StepResult, depth: number): void
}

/** The target cannot be used at all (a remote server that nothing answers for): ends the run, exit 9. */
export class TargetUnavailable extends Error {}

/** How long a client's previous agent may take to exit before a new connect calls it still connected. */
const PREVIOUS_EXIT_MS = 2_000

class StepFailed extends Error {
  constructor(
    message: string,
    readonly expected?: string,
    readonly actual?: string,
  ) {
    super(message)
  }
}

class StepSkipped extends Error {}

export function stepLabel(step: Step): string {
  switch (step.kind) {
    case 'connect':
      return `connect ${step.client}${step.expect === 'rejected' ? ' (expect rejected)' : step.as ? ` as ${step.as}` : ''}`
    case 'send':
      return `send ${step.client}: ${step.command}`
    case 'get':
      return `get ${step.client}: ${step.file}${step.error ? ` (expect ${step.error})` : ''}${step.during ? `, held for ${step.during.length} step${step.during.length === 1 ? '' : 's'}` : ''}`
    case 'disconnect':
      return `disconnect ${step.client} (${step.how})`
    case 'wait_event':
      return `wait for ${step.event}${fieldsLabel(step.where)}`
    case 'expect_events':
      return `expect ${step.count ?? '≥1'} × ${step.event}${fieldsLabel(step.where)}`
    case 'parallel':
      return `parallel (${step.steps.length} steps)`
    case 'server':
      return `server ${step.action}`
    case 'network':
      return `network ${step.action} ${step.client}`
  }
}

const fieldsLabel = (where: EventFields): string =>
  Object.keys(where).length === 0 ? '' : ` {${Object.entries(where).map(([k, v]) => `${k}: ${v}`).join(', ')}}`

/** Runs one step within its timeout and reports it; never throws. */
export async function runStep(step: Step, ctx: StepContext, depth = 0): Promise<StepResult> {
  const started = performance.now()
  const label = stepLabel(step)
  const timeout = AbortSignal.timeout(step.timeoutMs)
  const signal = AbortSignal.any([timeout, ctx.signal])
  const finish = (result: Omit<StepResult, 'label' | 'line' | 'durationMs'>): StepResult => {
    const done = { label, line: step.line, durationMs: Math.round(performance.now() - started), ...result }
    ctx.onStep?.(done, depth)
    return done
  }
  if (step.kind === 'parallel') {
    const children = await Promise.all(step.steps.map((child) => runStep(child, ctx, depth + 1)))
    const failed = children.find((c) => c.verdict === 'failed')
    return finish({ verdict: failed ? 'failed' : 'passed', reason: failed?.reason, children })
  }
  const children: StepResult[] = []
  try {
    const note = step.kind === 'get' && step.during ? await heldGet(step, ctx, signal, children, depth) : await execute(step, ctx, signal)
    const failed = children.find((c) => c.verdict === 'failed')
    if (failed) return finish({ verdict: 'failed', reason: `a step during the get failed: ${failed.reason}`, children })
    return finish({ verdict: 'passed', reason: note ?? undefined, children: children.length > 0 ? children : undefined })
  } catch (error) {
    const nested = children.length > 0 ? { children } : {}
    if (error instanceof TargetUnavailable) throw error
    if (error instanceof StepSkipped) return finish({ verdict: 'skipped', reason: error.message, ...nested })
    if (error instanceof StepFailed) return finish({ verdict: 'failed', reason: error.message, expected: error.expected, actual: error.actual, ...nested })
    const interrupted = ctx.signal.aborted
    const timedOut = !interrupted && timeout.aborted && (error === signal.reason || (error as Error)?.name === 'TimeoutError')
    const reason = interrupted ? String((ctx.signal.reason as Error).message) : timedOut ? `timed out after ${step.timeoutMs} ms` : (error as Error)?.message ?? String(error)
    return finish({ verdict: 'failed', reason, ...nested })
  }
}

/** Performs a step; returns an optional note, throws StepFailed or StepSkipped. */
async function execute(step: Exclude<Step, { kind: 'parallel' }>, ctx: StepContext, signal: AbortSignal): Promise<string | void> {
  switch (step.kind) {
    case 'connect':
      return connect(step, ctx, signal)
    case 'send': {
      const { agent } = connected(ctx, step.client)
      const reply = await request(ctx, step.client, agent, step.command, signal)
      if (step.reply) matchReply(step.reply, reply, ctx)
      return
    }
    case 'get':
      return get(step, ctx, signal)
    case 'disconnect':
      return disconnect(step, ctx, signal)
    case 'wait_event': {
      const events = serverEvents(ctx)
      try {
        await events.waitFor(step.event, matcher(step.where, ctx), 1, signal)
      } catch (error) {
        // The step's own timeout (not an interrupt of the run): say what came instead.
        if (!signal.aborted || ctx.signal.aborted) throw error
        const wanted = fillFields(step.where, ctx)
        throw new StepFailed(`timed out after ${step.timeoutMs} ms waiting for ${step.event}`, describeEvent(step.event, wanted), nearestEvents(events.events, step.event, wanted))
      }
      return
    }
    case 'expect_events':
      return expectEvents(step, ctx, signal)
    case 'server':
      return serverStep(step, ctx)
    case 'network':
      return networkStep(step, ctx)
  }
}

async function serverStep(step: Extract<Step, { kind: 'server' }>, ctx: StepContext): Promise<void> {
  const control = ctx.run.serverControl
  if (!control) throw new StepSkipped("the target's server cannot be stopped or started from here")
  const wire = { stop: 'stop (SIGTERM)', start: 'start', restart: 'restart (SIGTERM, then start)' }[step.action]
  say(ctx, { from: 'server', to: 'server', text: wire })
  if (step.action !== 'start') await control.stop()
  if (step.action !== 'stop') await control.start()
}

async function networkStep(step: Extract<Step, { kind: 'network' }>, ctx: StepContext): Promise<string | void> {
  const { agent } = connected(ctx, step.client)
  if (step.action === 'reset') {
    say(ctx, { from: step.client, to: 'server', text: 'RST both ways (network reset)' })
    const count = await ctx.run.resets.reset(agent)
    if (count === 0) throw new StepFailed(`${step.client} had no connection to reset`, '1 connection reset', '0')
    return `${count} connection${count === 1 ? '' : 's'} reset`
  }
  const control = ctx.run.network
  if (!control) throw new StepSkipped('clients on this target share the host network: it cannot be cut')
  say(ctx, { from: step.client, to: 'server', text: step.action === 'cut' ? 'network cut' : 'network restored' })
  await (step.action === 'cut' ? control.cut(agent) : control.restore(agent))
}

async function connect(step: Extract<Step, { kind: 'connect' }>, ctx: StepContext, signal: AbortSignal): Promise<string> {
  // A client whose agent has ended (its server went away, say) may connect again; one whose connection
  // just ended may still be on its way out, so give it a moment to exit.
  const previous = ctx.agents.get(step.client)?.agent
  if (previous?.running) {
    const gone = await Promise.race([previous.exited.then(() => true), delay(PREVIOUS_EXIT_MS, false, { ref: false })])
    if (!gone) throw new StepFailed(`${step.client} is already connected`)
  }
  const client = ctx.scenario.clients.find((c) => c.name === step.client)!
  const index = (ctx.connections.get(step.client) ?? 0) + 1
  ctx.connections.set(step.client, index)
  const agent = await ctx.run.startClient(client, index)
  const first = await agent.channel.next(signal)
  say(ctx, { from: step.client, to: 'server', text: 'connect' })
  if (first.type === 'connected') {
    ctx.facts.set(step.client, { address: first.address, port: first.port, name: first.client })
    ctx.agents.set(step.client, { agent, mode: first.mode })
    say(ctx, { from: 'server', to: step.client, text: first.client ? `welcome, ${first.client}` : 'connected (compatible mode)' })
    if (step.expect === 'rejected') throw new StepFailed(`${step.client} was admitted`, 'rejected', `admitted as ${first.client ?? '?'}`)
    if (step.as && first.client !== step.as) throw new StepFailed(`${step.client} got another name`, step.as, String(first.client))
    return `${first.client ?? 'compatible mode'} from ${first.address}:${first.port}`
  }
  if (first.type === 'rejected') {
    ctx.facts.set(step.client, { address: first.address, port: first.port })
    say(ctx, { from: 'server', to: step.client, text: first.message })
    await agent.exited
    if (step.expect !== 'rejected') throw new StepFailed(`${step.client} was rejected`, 'admitted', first.message)
    return `rejected from ${first.address}:${first.port}`
  }
  if (first.type === 'failed' && first.code === 'SOCKLAB_CONNECT_FAILED' && ctx.targetKind === 'remote') {
    throw new TargetUnavailable(`the server cannot be reached: ${first.message}`)
  }
  throw new StepFailed(`${step.client} could not connect`, step.expect, describeOutput(first))
}

type GetStep = Extract<Step, { kind: 'get' }>

async function get(step: GetStep, ctx: StepContext, signal: AbortSignal): Promise<string | void> {
  const { agent, mode } = connected(ctx, step.client)
  skipUnservedFile(step, ctx)
  const reply = await request(ctx, step.client, agent, `get ${step.file}`, signal)
  return judgeGet(step, reply, mode, agent, ctx)
}

/**
 * A get with `during:` steps: the client stops reading once the file starts arriving, so the transfer is
 * surely in flight (the server waits on a full network) while those steps run; then it reads on.
 */
async function heldGet(step: GetStep, ctx: StepContext, signal: AbortSignal, children: StepResult[], depth: number): Promise<string | void> {
  const { agent, mode } = connected(ctx, step.client)
  skipUnservedFile(step, ctx)
  if (mode !== 'framed') throw new StepFailed('a get with during: steps needs framed mode', 'framed', mode)
  const command = `get ${step.file}`
  agent.write({ command, hold: true })
  say(ctx, { from: step.client, to: 'server', text: command })
  const first = await agent.channel.next(signal)
  if (first.type !== 'held') {
    say(ctx, { from: 'server', to: step.client, text: describeOutput(first) })
    throw new StepFailed('the transfer ended before the steps during it could run', 'the file starts arriving', describeOutput(first))
  }
  say(ctx, { from: 'server', to: step.client, text: `file ${first.name} starts (${first.size ?? '?'} bytes); the client stops reading` })
  for (const child of step.during!) children.push(await runStep(child, ctx, depth + 1))
  if (agent.running) agent.write({ release: true })
  let reply: Reply | typeof KILLED
  try {
    reply = await answer(ctx, step.client, command, agent, signal)
  } catch (error) {
    // A client killed during the transfer ends without a word.
    await Promise.race([agent.exited, delay(PREVIOUS_EXIT_MS, undefined, { ref: false })])
    if (agent.running) throw error
    reply = KILLED
  }
  return judgeGet(step, reply, mode, agent, ctx)
}

function savedName(requested: string): string | undefined {
  try {
    return localFileName(requested)
  } catch {
    return undefined
  }
}

function skipUnservedFile(step: GetStep, ctx: StepContext): void {
  if (!ctx.run.files && ctx.scenario.server.files.some((f) => f.name === step.file)) {
    throw new StepSkipped('the scenario generates this file, and the target server does not have it')
  }
}

/** Checks a get's outcome against the step: the expected refusal or failure, or a verified copy. */
async function judgeGet(step: GetStep, reply: Reply | typeof KILLED, mode: 'framed' | 'compat', agent: ClientAgent, ctx: StepContext): Promise<string | void> {
  if (step.error) {
    const matched =
      reply === KILLED
        ? step.error === KILLED
        : (reply.kind === 'error' && reply.code === step.error) ||
          // Compatible mode has no codes: the original answers every refusal with its one text.
          (mode === 'compat' && reply.kind === 'text' && reply.text === 'File not found')
    if (!matched) throw new StepFailed(`get ${step.file} was not refused as expected`, step.error, reply === KILLED ? KILLED : describeReply(reply))
    // Whatever went wrong, nothing may be left under the final name.
    // The name the client saves under; a request that has none could not have left a file at all.
    const name = savedName(step.file)
    if (name !== undefined && (await agent.hasDownload(name))) {
      throw new StepFailed(`a failed get left a file under its final name`, `no ${name} in the download folder`, `${name} is there`)
    }
    return reply !== KILLED && reply.kind === 'text' ? 'compatible mode: File not found' : `no ${name ?? step.file} in the download folder`
  }
  if (reply === KILLED) throw new StepFailed(`the client was killed during get ${step.file}`, 'saved', KILLED)
  if (reply.kind !== 'saved') throw new StepFailed(`get ${step.file} did not save the file`, 'saved', describeReply(reply))
  if (mode === 'framed' && !reply.verified) throw new StepFailed('the file was not verified', 'verified', 'unverified')
  if (!ctx.run.files) return 'verified against the server announcement only (remote server)'
  const expected = await ctx.run.files.sha256(step.file)
  if (reply.sha256 !== expected) throw new StepFailed(`${step.file} differs from the server's copy`, `sha256 ${expected}`, `sha256 ${reply.sha256}`)
  return `${reply.bytes} bytes, sha256 ${reply.sha256.slice(0, 12)}…`
}

async function disconnect(step: Extract<Step, { kind: 'disconnect' }>, ctx: StepContext, signal: AbortSignal): Promise<void> {
  const { agent } = connected(ctx, step.client)
  ctx.agents.delete(step.client)
  const wire = { exit: 'exit', close: 'FIN (end of stream)', reset: 'RST (TCP reset)', kill: 'killed (SIGKILL)' }[step.how]
  say(ctx, { from: step.client, to: 'server', text: wire })
  if (step.how === 'kill') return void (await agent.kill())
  if (step.how === 'exit') agent.write({ command: 'exit' })
  else agent.write({ close: step.how === 'close' ? 'end' : 'reset' })
  await Promise.race([
    agent.exited,
    new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })),
  ])
}

async function expectEvents(step: Extract<Step, { kind: 'expect_events' }>, ctx: StepContext, signal: AbortSignal): Promise<string> {
  const events = serverEvents(ctx)
  const match = matcher(step.where, ctx)
  const wanted = step.count ?? 1
  // Wait until the events can all have been logged, then count: exactly `count`, or at least one.
  if (wanted > 0) await events.waitFor(step.event, match, wanted, signal)
  const found = events.all(step.event, match).length
  if (step.count !== undefined && found !== step.count) {
    throw new StepFailed(`${found} ${step.event} events`, `${step.count}`, `${found}`)
  }
  return `${found} found`
}

async function request(ctx: StepContext, client: string, agent: ClientAgent, command: string, signal: AbortSignal): Promise<Reply> {
  agent.write({ command })
  say(ctx, { from: client, to: 'server', text: command })
  return answer(ctx, client, command, agent, signal)
}

/** The agent's answer to `command`; the client's own failures (a lost connection) come back as error codes. */
async function answer(ctx: StepContext, client: string, command: string, agent: ClientAgent, signal: AbortSignal): Promise<Reply> {
  const out = await agent.channel.next(signal)
  if (out.type === 'error') {
    say(ctx, { from: 'server', to: client, text: describeOutput(out) })
    return { kind: 'error', code: out.code, message: out.message }
  }
  if (out.type === 'closed') {
    // The connection ended before the command went out (the server's goodbye and close came first): the
    // same event as a command that finds it gone, so the same answer, whichever way the race went.
    say(ctx, { from: 'server', to: client, text: describeOutput(out) })
    return { kind: 'error', code: 'SOCKLAB_CONNECTION_LOST', message: `the connection had already ended: ${out.reason}` }
  }
  if (out.type !== 'reply') {
    say(ctx, { from: 'server', to: client, text: describeOutput(out) })
    throw new StepFailed(`no reply to ${command}`, 'a reply', describeOutput(out))
  }
  say(ctx, { from: 'server', to: client, text: describeReply(out.reply) })
  return out.reply
}

function matchReply(matcher: ReplyMatcher, reply: Reply, ctx: StepContext): void {
  const actual = describeReply(reply)
  if (matcher.kind === 'error') {
    if (reply.kind === 'error' && reply.code === matcher.code) return
    throw new StepFailed('unexpected reply', `error ${matcher.code}`, actual)
  }
  if (reply.kind !== 'text') throw new StepFailed('unexpected reply', describeMatcher(matcher, ctx), actual)
  const text = reply.text
  const ok =
    matcher.kind === 'equals'
      ? text === fillTemplate(matcher.value, ctx.facts)
      : matcher.kind === 'contains'
        ? text.includes(fillTemplate(matcher.value, ctx.facts))
        : new RegExp(fillTemplate(matcher.value, ctx.facts, true)).test(text)
  if (!ok) throw new StepFailed('unexpected reply', describeMatcher(matcher, ctx), text)
}

function describeMatcher(matcher: ReplyMatcher, ctx: StepContext): string {
  if (matcher.kind === 'error') return `error ${matcher.code}`
  return `${matcher.kind === 'equals' ? '' : `${matcher.kind} `}${fillTemplate(matcher.value, ctx.facts, matcher.kind === 'regex')}`
}

function fillFields(where: EventFields, ctx: StepContext): Array<readonly [string, string]> {
  return Object.entries(where).map(([key, value]) => [key, fillTemplate(String(value), ctx.facts)] as const)
}

const field = (event: LoggedEvent<ServerEventName>, key: string): string => String((event as unknown as Record<string, unknown>)[key])

function matcher(where: EventFields, ctx: StepContext): (event: LoggedEvent<ServerEventName>) => boolean {
  const wanted = fillFields(where, ctx)
  return (event) => wanted.every(([key, value]) => field(event, key) === value)
}

const describeEvent = (name: string, fields: ReadonlyArray<readonly [string, string]>): string =>
  fields.length === 0 ? name : `${name} where ${fields.map(([key, value]) => `${key}=${value}`).join(', ')}`

/**
 * What a timed-out `wait_event` saw instead: the events of that name that came closest (fewest fields off,
 * each shown with what it had), or, when none of that name came at all, the last events logged.
 */
function nearestEvents(seen: readonly LoggedEvent<ServerEventName>[], name: string, wanted: ReadonlyArray<readonly [string, string]>): string {
  const named = seen.filter((e) => e.event === name)
  if (named.length === 0) {
    const last = seen.slice(-5).map((e) => e.event)
    return `no ${name} event${last.length > 0 ? `; the last events were ${last.join(', ')}` : ' and no other event'}`
  }
  const scored = named.map((event) => ({ event, off: wanted.filter(([key, value]) => field(event, key) !== value) }))
  scored.sort((a, b) => a.off.length - b.off.length)
  const shown = scored.slice(0, 3).map(({ event, off }) => `${name} with ${off.map(([key, value]) => `${key}=${field(event, key)} (not ${value})`).join(', ')}`)
  const more = named.length > 3 ? `; ${named.length - 3} more` : ''
  return `${shown.join('; ')}${more}`
}

function serverEvents(ctx: StepContext) {
  if (!ctx.run.events) throw new StepSkipped("the server's log cannot be read on this target")
  return ctx.run.events
}

function connected(ctx: StepContext, client: string) {
  const entry = ctx.agents.get(client)
  if (!entry) throw new StepFailed(`${client} is not connected`)
  return entry
}

export function describeReply(reply: Reply): string {
  switch (reply.kind) {
    case 'text':
      return reply.text
    case 'error':
      return `error ${reply.code}: ${reply.message}`
    case 'saved':
      return `saved ${reply.name} (${reply.bytes} bytes, sha256 ${reply.sha256}${reply.verified ? '' : ', unverified'})`
    case 'bye':
      return `bye (${reply.reason})`
  }
}

function describeOutput(out: AgentOutput): string {
  switch (out.type) {
    case 'failed':
    case 'error':
      return `${out.code}: ${out.message}`
    case 'closed':
      return `connection closed: ${out.reason}`
    case 'rejected':
      return out.message
    case 'connected':
      return `connected as ${out.client ?? '?'}`
    case 'reply':
      return describeReply(out.reply)
    case 'held':
      return `${out.name} started; the client holds it`
    case 'standby':
      return 'started, not connected'
  }
}

/** One arrow of the sequence diagram, stamped with when it happened (to merge it with the server's events). */
function say(ctx: StepContext, message: Omit<Message, 'atMs'>): void {
  ctx.messages.push({ ...message, atMs: Date.now() })
}
