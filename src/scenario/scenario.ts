import type { ServerOptions } from '../config/server-options.js'
import type { LinkConditions } from '../relay/link-spec.js'
import type { Step } from './steps/step.js'
import type { Topology } from '../lab/topology.js'

/**
 * A parsed, validated scenario (scenarios/*.yaml; format in docs/scenarios.md). Strings in replies and
 * event fields may hold `${client.address}`, `${client.port}` and `${client.name}`, resolved while running.
 */
/**
 * Who sees a graded scenario's details: `visible`; `hidden` (graded, students see its name and verdict
 * only); `after_due_date` and `after_published` (as Gradescope has them: its details shown then).
 */
export const VISIBILITIES = ['visible', 'hidden', 'after_due_date', 'after_published'] as const
export type Visibility = (typeof VISIBILITIES)[number]

export interface Scenario {
  name: string
  description: string
  file: string
  /** The variables, with the values they had when the file was read (from --var, the environment or the file). */
  vars: Record<string, string>
  /** Labels to select scenarios by (`--tag`). */
  tags: string[]
  server: ServerSetup
  /** Every client, group members included (`crowd-1` … `crowd-50`). */
  clients: ScenarioClient[]
  /** Client groups (`clients: { crowd: { count: 50 } }`): their members, by group name. */
  groups: Record<string, string[]>
  steps: Step[]
  /** The targets the scenario can run on (default: all); elsewhere it is reported as skipped. */
  targets?: TargetKind[]
  /** What passing it is worth when graded (`socklab grade`); 1 by default. */
  points: number
  /** `hidden`: graded, but a student-facing report shows only its name and whether it passed. */
  visibility: Visibility
  /** Rooms on subnets of their own and a router between them (docker target only; docs/topology.md). */
  topology?: Topology
}

export const TARGET_KINDS = ['docker', 'local', 'remote'] as const
export type TargetKind = (typeof TARGET_KINDS)[number]

/** Server options a scenario may set (everything but where it listens and how it logs). */
export type ScenarioServerOptions = Partial<Omit<ServerOptions, 'host' | 'port' | 'files' | 'logFormat' | 'healthSocket'>>

export type FileSetup =
  | { name: string; kind: 'random'; size: number }
  | { name: string; kind: 'text'; text: string }
  | { name: string; kind: 'link'; target: string }

export interface ServerSetup {
  options: ScenarioServerOptions
  /** Added to the shipped server_files/ for this scenario. */
  files: FileSetup[]
  /** The server under test when the run names none (`--server`): a built-in name or a spec file's path. */
  spec?: string
}

/**
 * What a client speaks: `socklab` (the assignment's protocol, framed or compatible: send commands, get
 * files), or any TCP service's: `text` (lines) or `bytes` (docs/scenarios.md, "Testing any TCP service").
 */
export const CLIENT_PROTOCOLS = ['socklab', 'text', 'bytes'] as const
export type ClientProtocol = (typeof CLIENT_PROTOCOLS)[number]

/** The most unread bytes a text or byte client keeps by default (`maxReceive`). */
export const DEFAULT_MAX_RECEIVE = 64 * 1024 * 1024

export interface ScenarioClient {
  name: string
  mode: 'auto' | 'framed' | 'compat'
  /** `socklab` unless the client says `protocol: text | bytes`. */
  protocol: ClientProtocol
  /** Text clients: the line end put after each `text` sent (`eol: lf | crlf`). */
  eol: 'lf' | 'crlf'
  /** Text and byte clients: a regex for what the server says as it turns a client away (`-ERR max number of clients`). */
  rejectedWhen?: string
  /** Text and byte clients: the most bytes it keeps unread before it gives up on the connection. */
  maxReceive: number
  /** `--retry`: how often the client tries again when the server is full or unreachable. */
  retry: number
  /** Connects through a relay of its own: set when it has a `link`, or a `link` or `network: reset` step names it. */
  relay: boolean
  /** The group it is a member of, if any. */
  group?: string
  /** `--reply-timeout-ms`: how long it waits for a reply, or the next bytes of a file (the client's default when absent). */
  replyTimeoutMs?: number
  /** The conditions of its link (through its relay) from its first connection. */
  link?: LinkConditions
}

/** The most members a client group may have: every member is a process or a container of its own. */
export const MAX_GROUP_SIZE = 500

export type ReplyMatcher =
  | { kind: 'equals'; value: string }
  | { kind: 'contains'; value: string }
  | { kind: 'regex'; value: string }
  | { kind: 'error'; code: string }

export type EventFields = Record<string, string | number>

export interface StepBase {
  /** Line of the step in its file, for reports. */
  line: number
  /** For each attempt. */
  timeoutMs: number
  /** A failed step is tried again, this often or this long. */
  retry?: RetryPolicy
}

/** `retry: { times, until, every }`: up to `times` more attempts, and none begun after `until`. */
export interface RetryPolicy {
  times?: number
  untilMs?: number
  everyMs: number
}

export const DEFAULT_RETRY_EVERY_MS = 200

/** A step of any kind: each kind's file in steps/ registers its type (steps/step.ts). */
export type { Step } from './steps/step.js'

export const SERVER_ACTIONS = ['stop', 'start', 'restart'] as const
export type ServerAction = (typeof SERVER_ACTIONS)[number]
export const NETWORK_ACTIONS = ['cut', 'restore', 'reset'] as const
export type NetworkAction = (typeof NETWORK_ACTIONS)[number]

export const DISCONNECT_HOWS = ['exit', 'close', 'reset', 'kill'] as const
export type DisconnectHow = (typeof DISCONNECT_HOWS)[number]

export const DEFAULT_STEP_TIMEOUT_MS = 10_000

/** The outcome of a get whose client was killed before it could answer (a `disconnect: kill` during it). */
export const KILLED = 'killed'

/** The clients a step acts as or on: its client, or the members of its group. */
export function stepClients(step: Step): string[] {
  if ('client' in step) return [step.client]
  if ('members' in step) return step.members
  return []
}

/** Every step, nested ones (in `parallel`, `repeat`, `sequence` and `during`) included. */
export function allSteps(steps: readonly Step[]): Step[] {
  return steps.flatMap((step) => [
    step,
    ...(step.kind === 'parallel' || step.kind === 'repeat' || step.kind === 'sequence' ? allSteps(step.steps) : []),
    ...(step.kind === 'get' && step.during ? allSteps(step.during) : []),
  ])
}
