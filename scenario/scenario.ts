import type { ServerOptions } from '../config/server-options.js'
import type { ServerEventName } from '../events/server-event.js'

/**
 * A parsed, validated scenario (scenarios/*.yaml; format in docs/scenarios.md). Strings in replies and
 * event fields may hold `${client.address}`, `${client.port}` and `${client.name}`, resolved while running.
 */
export interface Scenario {
  name: string
  description: string
  file: string
  server: ServerSetup
  clients: ScenarioClient[]
  steps: Step[]
}

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
}

export interface ScenarioClient {
  name: string
  mode: 'auto' | 'framed' | 'compat'
}

export type ReplyMatcher =
  | { kind: 'equals'; value: string }
  | { kind: 'contains'; value: string }
  | { kind: 'regex'; value: string }
  | { kind: 'error'; code: string }

export type EventFields = Record<string, string | number>

interface StepBase {
  /** Line of the step in its file, for reports. */
  line: number
  timeoutMs: number
}

export type Step = StepBase &
  (
    | { kind: 'connect'; client: string; expect: 'admitted' | 'rejected'; as?: string }
    | { kind: 'send'; client: string; command: string; reply?: ReplyMatcher }
    | { kind: 'get'; client: string; file: string; error?: string }
    | { kind: 'disconnect'; client: string; how: DisconnectHow }
    | { kind: 'wait_event'; event: ServerEventName; where: EventFields }
    | { kind: 'expect_events'; event: ServerEventName; where: EventFields; count?: number }
    | { kind: 'parallel'; steps: Step[] }
  )

export const DISCONNECT_HOWS = ['exit', 'close', 'reset', 'kill'] as const
export type DisconnectHow = (typeof DISCONNECT_HOWS)[number]

export const DEFAULT_STEP_TIMEOUT_MS = 10_000
