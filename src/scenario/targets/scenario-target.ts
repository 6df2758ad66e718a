import type { LogAdapter } from '../../events/log-adapter.js'
import type { ServerSpec } from '../../lab/server-spec.js'
import type { LinkHandle } from './relay-link.js'
import type { AgentInput } from '../../client/agent-protocol.js'
import type { EventStream } from '../../events/event-stream.js'
import type { AgentChannel } from '../agent-channel.js'
import type { Scenario, ScenarioClient, TargetKind } from '../scenario.js'
import type { ServedFiles } from '../served-files.js'
import type { ConsoleTranscript } from '../../lab/console-transcript.js'
import type { RunningCapture } from '../../capture/packet-capture.js'
import type { ProcessUsage } from '../../process/process-usage.js'

/** One running client agent: a process (local, remote) or a container (docker). */
export interface ClientAgent {
  readonly channel: AgentChannel
  write(input: AgentInput): void
  /** Ends the agent at once (SIGKILL to the process or the container). */
  kill(): Promise<void>
  /** Resolves with the exit code once the agent is gone. */
  readonly exited: Promise<number | null>
  /** False once the agent has exited (after exit, a lost connection, a kill). */
  readonly running: boolean
  /** Whether the client's download folder holds a file of this name (also after the agent has ended). */
  hasDownload(name: string): Promise<boolean>
}

/** A program of someone's own to run as one of the clients, unchanged: `file` (client.py) in `dir`, run from a copy of `dir`. */
export interface ProgramSource {
  dir: string
  file: string
}

/** A program on a console of its own (a student's client.py), run as written on the run's network. */
export interface ConsoleProgram {
  /** Everything it prints (standard output and error), read one answer at a time. */
  readonly transcript: ConsoleTranscript
  /** Types a line on its console (the newline is added). */
  type(line: string): void
  readonly exited: Promise<number | null>
  readonly running: boolean
  /** Its own address on the lab network. */
  readonly address: string
  kill(): Promise<void>
}

/** One engine event about a container of a run. */
export interface ContainerEvent {
  /** start, die, kill, oom, … */
  action: string
  container: string
  exitCode?: number
}

/** Stopping and starting the scenario's server (SIGTERM, then the same server again on the same address). */
export interface ServerControl {
  stop(): Promise<void>
  start(): Promise<void>
}

/** Cutting a client off the network and restoring it, while its process keeps running. */
export interface NetworkControl {
  cut(agent: ClientAgent): Promise<void>
  restore(agent: ClientAgent): Promise<void>
}

/** The links of clients that connect through a relay of their own (ScenarioClient.relay). */
export interface LinkControl {
  /** The link of a client's connection: its conditions, resets and milestones. Throws for a client without a relay. */
  of(agent: ClientAgent): LinkHandle
}

/**
 * A scenario's environment on a target: its server (where there is one) and a way to start clients.
 *
 * The one lifecycle every target follows, and what later parts plug into:
 * 1. `prepare` makes the run's own network (docker: a bridge network of its own; local: loopback), the
 *    served files (the shipped ones plus the scenario's), and the server, started and listening (its
 *    `listening` event seen) before `prepare` returns. Runs share nothing, so they may go in parallel.
 * 2. Steps start clients on demand (`startClient`): every connection is a fresh client (a process or a
 *    container), which may sit behind a relay of its own (`ScenarioClient.relay`); the relay is where a
 *    client's link is acted on (`links`: its conditions, resets and milestones).
 * 3. `serverControl` stops and starts the same server on the same address; `network` cuts and restores a
 *    client's link where clients have links of their own (docker).
 * 4. Disposing removes everything the run made, clients first, then the server, then the network and
 *    the files, also after a failure or an interrupt; `settle` waits for removals still under way.
 */
export interface TargetRun extends AsyncDisposable {
  /** Where the clients connect, for the report. */
  readonly serverLabel: string
  /** The server's address and port as the clients reach it (127.0.0.1:41234, 172.18.0.2:12345). */
  readonly serverAddress?: string
  /** The server's events; absent where its log cannot be read (a remote server). */
  readonly events: EventStream | undefined
  /** Where the events come from a server's console lines: what they can and cannot show. */
  readonly adapter?: LogAdapter
  /** The served files, for verifying downloads; absent for a remote server. */
  readonly files: ServedFiles | undefined
  startClient(client: ScenarioClient, index: number): Promise<ClientAgent>
  /** Absent where the server is not ours to control (a remote server). */
  readonly serverControl?: ServerControl
  /** Absent where clients share the host's network (processes on loopback). */
  readonly network?: NetworkControl
  /** Clients started with `link` set start with those conditions (ScenarioClient.link). */
  readonly links: LinkControl
  /**
   * Follows the engine's events for this run's own containers (start, die with its exit code, kill, oom),
   * for a live view; returns how to stop. Absent where hosts are not containers.
   */
  containerEvents?(listener: (event: ContainerEvent) => void): () => void
  /**
   * Starts a program of someone's own as the client `name` (placed as a client of that name is), where the
   * target can run it as written: absent on targets whose clients share the host (it would run on this machine).
   */
  startProgram?(name: string, program: ProgramSource): Promise<ConsoleProgram>
  /** What a sandboxed server did that its sandbox stopped (a flood of output, memory), one line each; absent where nothing is sandboxed. */
  limitsCrossed?(): Promise<string[]>
  /**
   * Starts capturing this run's packets into a pcap file (its lab network's bridge, the loopback port of
   * its server, the traffic to a remote server); throws, saying why, where it cannot (no tcpdump, no right
   * to capture). Stopped before the run is disposed of.
   */
  startCapture?(file: string): Promise<RunningCapture>
  /**
   * The server's open descriptors and resident memory now, read from its process (/proc); absent where the
   * target cannot read it (a remote server), undefined where it cannot now (stopped, another machine's engine).
   */
  serverUsage?(): Promise<ProcessUsage | undefined>
  /** Writes every log of this run (server and clients) into `dir`; returns the files written. */
  saveLogs(dir: string): Promise<string[]>
}

export interface ScenarioTarget {
  /** `docker`, `local` or `host:port`. */
  readonly name: string
  readonly kind: TargetKind
  /** `server`: the server under test (socklab's own by default). */
  prepare(scenario: Scenario, shippedFiles: string, server?: ServerSpec): Promise<TargetRun>
  /** Waits until what finished runs left behind (containers, networks) is gone, where that goes on after them. */
  settle?(): Promise<void>
}
