import type { ServerEventName } from '../../events/server-event.js'
import type { LinkConditions } from '../../relay/link-spec.js'
import type { Scenario, Step, TargetKind } from '../scenario.js'
import type { Message, StepResult } from '../scenario-result.js'
import type { ClientFacts } from '../template.js'
import type { ClientAgent, TargetRun } from '../targets/scenario-target.js'
import type { WireStream } from '../wire-stream.js'
import { WireLedger } from './wire-ledger.js'

/** Everything steps share while one scenario runs. */
export interface StepContext {
  scenario: Scenario
  run: TargetRun
  facts: ClientFacts
  /** Captures and repeat counters, by name, as the steps that set them ran. */
  values: Map<string, string>
  /** Connected clients' agents, by scenario client name. */
  agents: Map<string, ConnectedAgent>
  /** Each relayed client's conditions as a `link` step last set them (its next connections start with them). */
  links: Map<string, LinkConditions>
  /** How many times each client has connected (each connection is a fresh process or container). */
  connections: Map<string, number>
  /** Every connection as the wire showed it: what console events about connections are checked against. */
  wire: WireLedger
  messages: Message[]
  /** The whole run's: aborted when it is interrupted. */
  signal: AbortSignal
  /** Where the run's server is: a client that cannot reach a remote server means the target is unusable. */
  targetKind: TargetKind
  onStep?(result: StepResult, depth: number): void
}

/** A connected client: its agent, the mode it settled, and for text and byte clients what it has received. */
export interface ConnectedAgent {
  agent: ClientAgent
  mode: 'framed' | 'compat' | 'raw'
  /** Text and byte clients (`protocol: text | bytes`): the bytes the server sent, read by the steps. */
  wire?: WireStream
}

/** A fresh context for a run's steps: no client connected yet, nothing captured. */
export function newStepContext(base: Pick<StepContext, 'scenario' | 'run' | 'messages' | 'signal' | 'targetKind' | 'onStep'>): StepContext {
  return { ...base, facts: new Map(), values: new Map(), links: new Map(), agents: new Map(), connections: new Map(), wire: new WireLedger() }
}

/** What a step kind's `run` gets besides its step and the context. */
export interface StepRun {
  /** The step's own: aborted at its timeout or when the run is interrupted. */
  signal: AbortSignal
  /** Results of steps run inside this one (`during`, `parallel`), in order. */
  children: StepResult[]
  /** Runs a nested step within its own timeout, as the runner runs any step; never throws. */
  runStep(step: Step): Promise<StepResult>
}

/**
 * Runs `steps` one after another as children of the step running them; returns the first that failed (the
 * rest are not run), or undefined. Stops quietly when the run is interrupted.
 */
export async function runInOrder(steps: readonly Step[], ctx: StepContext, { children, runStep }: StepRun): Promise<StepResult | undefined> {
  for (const child of steps) {
    const result = await runStep(child)
    children.push(result)
    if (result.verdict === 'failed') return result
    if (ctx.signal.aborted) return undefined
  }
  return undefined
}

/** The target cannot be used at all (a remote server that nothing answers for): ends the run, exit 9. */
export class TargetUnavailable extends Error {}

/** A step that did not do what it says: with what was expected and what came, where that helps. */
export class StepFailed extends Error {
  constructor(
    message: string,
    readonly expected?: string,
    readonly actual?: string,
  ) {
    super(message)
  }
}

/** A step that cannot run on this target (with why); it is reported as skipped, never as passed. */
export class StepSkipped extends Error {}

/** How long a client's previous agent may take to exit before a new connect calls it still connected. */
export const PREVIOUS_EXIT_MS = 2_000

/** One arrow of the sequence diagram, stamped with when it happened (to merge it with the server's events). */
export function say(ctx: StepContext, message: Omit<Message, 'atMs'>): void {
  ctx.messages.push({ ...message, atMs: Date.now() })
}

export function connected(ctx: StepContext, client: string) {
  const entry = ctx.agents.get(client)
  if (!entry) throw new StepFailed(`${client} is not connected`)
  return entry
}

/**
 * The server's events, for a step that needs `event` (with these `where` fields): skipped where the log
 * cannot be read, or where the server under test's log adapter cannot show that event or field.
 */
export function serverEvents(ctx: StepContext, event?: ServerEventName, fields: Readonly<Record<string, string | number>> = {}) {
  if (!ctx.run.events) throw new StepSkipped("the server's log cannot be read on this target")
  const blind = event && ctx.run.adapter?.cannotSee(event, fields)
  if (blind) throw new StepSkipped(blind)
  return ctx.run.events
}

