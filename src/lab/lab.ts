import type { Reply } from '../client/reply.js'
import { SocklabError } from '../errors/socklab-error.js'
import { SOCKLAB_SERVER, type ServerSpec } from './server-spec.js'
import { rooms, type Topology } from './topology.js'
import { DEFAULT_MAX_RECEIVE, type DisconnectHow, type Scenario, type ScenarioClient } from '../scenario/scenario.js'
import { startAgent, stopAgent } from '../scenario/steps/agents.js'
import { describeOutput, describeReply, request } from '../scenario/steps/replies.js'
import { newStepContext, type StepContext } from '../scenario/steps/step-context.js'
import type { ConsoleProgram, ProgramSource, ScenarioTarget, TargetRun } from '../scenario/targets/scenario-target.js'
import { describeLink, NO_CONDITIONS, parseLinkText, type LinkConditions } from '../relay/link-spec.js'
import { labView, type ClientRecord, type ExecResult, type LabSource, type LabView } from './lab-view.js'
import { ServerWatch } from './server-watch.js'
import { plural } from '../text/plural.js'
import { labTitle } from './lab-record.js'

/** How long one `exec` may take (a `get` of a large file over a slow link included) before it is given up. */
const EXEC_TIMEOUT_MS = 30 * 60_000
/** Lab client names: short, for the command line (c1, alice, student-3). */
export const CLIENT_NAME = /^[a-z][a-z0-9_-]{0,23}$/
const HOWS: readonly DisconnectHow[] = ['exit', 'close', 'reset', 'kill']

export interface LabOptions {
  name: string
  target: ScenarioTarget
  server?: ServerSpec
  /** Clients made at once (named c1 … cN): idle until they connect. */
  clients: number
  /** The server's client limit (for a server that takes it). */
  maxClients?: number
  /** The folder the server serves (a copy is served; nothing is written to it). */
  files: string
  progressIntervalMs?: number
  /** Every client connects through a relay of its own, starting with these conditions (`{}`: none yet). */
  link?: LinkConditions
  /** The lab laid out as rooms: subnets with a router between them (docker target only). */
  topology?: Topology
  /** Programs of someone's own run as clients, unchanged (a student's client.py; docker target only). */
  programs?: ReadonlyArray<{ name: string; program: ProgramSource }>
}

/** A lab client that is a program of someone's own: its source, and the run of it under way. */
interface ProgramClient {
  source: ProgramSource
  running?: ConsoleProgram
}


/**
 * A lab that stays up: a server and clients on a target, driven one action at a time (connect, a command,
 * get, disconnect in any way, add a client, restart the server) by whoever owns it — `socklab lab serve`,
 * behind `lab exec`, `lab status` and the dashboard. Each client is a scenario client: every connection a
 * fresh agent (a process or a container), and its name, address and state kept between actions. Emits
 * changes through its `watch`, with the new timeline entries, whenever anything changes.
 */
export class Lab implements LabSource {
  readonly watch = new ServerWatch()
  readonly #clients = new Map<string, ClientRecord>()
  readonly #busy = new Set<string>()
  readonly #programs = new Map<string, ProgramClient>()
  #serverRunning = true
  #stopContainerEvents: (() => void) | undefined
  #closed: Promise<void> | undefined

  private constructor(
    readonly name: string,
    /** Aborted when the lab goes down: every action and step under way stops. */
    private readonly abort: AbortController,
    private readonly settle: () => Promise<void>,
    readonly targetName: string,
    readonly spec: ServerSpec,
    private readonly scenario: Scenario,
    private readonly run: TargetRun,
    private readonly ctx: StepContext,
    readonly serverAddress: string,
    private readonly link: LinkConditions | undefined,
  ) {}

  static async start(options: LabOptions): Promise<Lab> {
    const spec = options.server ?? SOCKLAB_SERVER
    const settings: Record<string, unknown> = {}
    if (options.maxClients !== undefined) settings.maxClients = options.maxClients
    if (spec.kind === 'socklab') settings.progressIntervalMs = options.progressIntervalMs ?? 250
    const clients = Array.from({ length: options.clients }, (_, i) => labClient(`c${i + 1}`, options.link))
    const scenario: Scenario = {
      name: `lab-${options.name}`,
      description: labTitle(options.name),
      file: '',
      vars: {},
      tags: [],
      server: { options: settings, files: [] },
      clients,
      groups: {},
      steps: [],
      points: 0,
      visibility: 'visible',
      ...(options.topology ? { topology: options.topology } : {}),
    }
    if (options.topology && options.target.kind !== 'docker') {
      throw new SocklabError('SOCKLAB_CONFIG_INVALID', `the ${options.topology.name} topology lays the lab out as subnets with a router between them, which only the docker target builds (this lab is on ${options.target.name})`)
    }
    if (options.programs?.length && options.target.kind !== 'docker') {
      const { name, program } = options.programs[0]!
      throw new SocklabError('SOCKLAB_CONFIG_INVALID', `${program.file} (${name}) runs as written, connecting where its source says, on a host of its own: only the docker target gives it one (on ${options.target.name} it would run on this machine, with your rights)`)
    }
    const run = await options.target.prepare(scenario, options.files, spec)
    const abort = new AbortController()
    const ctx = newStepContext({ scenario, run, messages: [], signal: abort.signal, targetKind: options.target.kind })
    const listening = run.events?.all('listening').at(-1)
    const address = run.serverAddress ?? run.serverLabel
    const lab = new Lab(options.name, abort, async () => options.target.settle?.(), options.target.name, spec, scenario, run, ctx, address, options.link)
    lab.watch.maxClients = (listening?.maxClients as number | undefined) ?? options.maxClients
    for (const client of clients) lab.#clients.set(client.name, lab.#record(client.name))
    for (const { name, program } of options.programs ?? []) {
      if (!CLIENT_NAME.test(name) || lab.#clients.has(name)) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `a program client needs a name of its own, not ${JSON.stringify(name)}`)
      lab.#programs.set(name, { source: program })
      lab.#clients.set(name, { name, state: 'idle', program: program.file })
    }
    for (const event of run.events?.events ?? []) lab.watch.event(event)
    run.events?.subscribe((event) => lab.watch.event(event))
    // On the docker target, the engine's word on the lab's containers goes on the timeline too.
    lab.#stopContainerEvents = run.containerEvents?.(({ action, container, exitCode }) =>
      lab.watch.note(`container ${container}: ${action}${exitCode === undefined ? '' : ` (exit ${exitCode})`}`),
    )
    lab.#note(`${labTitle(options.name)} up on the ${options.target.name} target: ${spec.name} server at ${address}, ${plural(clients.length, 'client')}`)
    return lab
  }

  view(): LabView {
    return labView({
      name: this.name,
      target: this.targetName,
      server: { spec: this.spec.name, label: this.run.serverLabel, address: this.serverAddress, running: this.#serverRunning },
      maxClients: this.watch.maxClients,
      holders: this.watch.holders,
      clients: [...this.#clients.values()],
      transfers: this.watch.transfers,
      ...(this.scenario.topology ? { rooms: rooms(this.scenario.topology, [...this.#clients.keys()], this.spec.asWritten?.host) } : {}),
    })
  }

  /** Adds a client (named c<N+1> unless named), idle until it connects. */
  addClient(name?: string): string {
    const chosen = name ?? this.#freeName()
    if (!CLIENT_NAME.test(chosen)) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `a client name is a lowercase letter, then up to 23 letters, digits, - and _, not ${JSON.stringify(chosen)}`)
    if (this.#clients.has(chosen)) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `the lab already has a client ${chosen}`)
    this.scenario.clients.push(labClient(chosen, this.link))
    this.#clients.set(chosen, this.#record(chosen))
    this.#note(`client ${chosen} added`, chosen)
    return chosen
  }

  /**
   * One action as a client: `connect`, `disconnect [exit|close|reset|kill]`, or any command the client
   * sends (`hello`, `status`, `list`, `get <file>`). A client that is not there yet is added first.
   */
  async exec(client: string, words: readonly string[]): Promise<ExecResult> {
    if (!this.#clients.has(client)) this.addClient(client)
    const line = words.join(' ').trim()
    if (line === '') throw new SocklabError('SOCKLAB_CONFIG_INVALID', 'exec needs a command: connect, disconnect [exit|close|reset|kill], or a command to send (hello, status, list, get <file>)')
    if (this.#busy.has(client)) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `${client} is still busy with its previous command`)
    this.#busy.add(client)
    const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(EXEC_TIMEOUT_MS)])
    try {
      const program = this.#programs.get(client)
      if (program) return await this.#execProgram(client, program, words, line, signal)
      const [verb, how, ...rest] = words
      if (verb === 'connect' && how === undefined) return await this.#connect(client, signal)
      if (verb === 'link') return await this.#setLink(client, words.slice(1).join(' '))
      if (verb === 'disconnect' && rest.length === 0) {
        const chosen = (how ?? 'exit') as DisconnectHow
        if (!HOWS.includes(chosen)) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `disconnect takes ${HOWS.join(', ')}, not ${how}`)
        return await this.#disconnect(client, chosen, signal)
      }
      return await this.#send(client, line, signal)
    } finally {
      this.#busy.delete(client)
    }
  }

  /** Stops the server (SIGTERM) and starts it again on the same address. */
  async restartServer(): Promise<void> {
    const control = this.run.serverControl
    if (!control) throw new SocklabError('SOCKLAB_CONFIG_INVALID', 'this lab cannot restart its server')
    this.#note('server restarting')
    this.#serverRunning = false
    this.#changed()
    await control.stop()
    this.watch.clearSlots()
    await control.start()
    this.#serverRunning = true
    this.#note('server started again')
  }

  /** Takes everything down (clients, server, network, files); once, however often it is called. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.abort.abort(new Error('the lab is going down'))
      this.#stopContainerEvents?.()
      await this.run[Symbol.asyncDispose]()
      await this.settle()
    })()
    return this.#closed
  }

  async #connect(client: string, signal: AbortSignal): Promise<ExecResult> {
    const record = this.#clients.get(client)!
    if (this.ctx.agents.get(client)?.agent.running) return { ok: false, outcome: 'connected', text: `${client} is already connected`, code: 'SOCKLAB_CONFIG_INVALID' }
    this.#update(record, { state: 'connecting', note: undefined })
    this.#note(`${client} connects`, client)
    const first = await startAgent(this.ctx, client, signal).catch((error: Error) => ({ type: 'failed' as const, code: 'SOCKLAB_CONNECT_FAILED', message: error.message }))
    const facts = this.ctx.facts.get(client)
    if (first.type === 'connected') {
      const entry = this.ctx.agents.get(client)!
      this.#update(record, { state: 'connected', serverName: facts?.name, address: facts?.address, port: facts?.port, mode: entry.mode })
      void entry.agent.exited.then(() => this.#agentGone(client, entry.agent))
      const text = `${client} connected as ${facts?.name ?? '(no name: compatible mode)'} from ${first.address}:${first.port} (${first.mode} mode)`
      this.#note(text, client)
      return { ok: true, outcome: 'connected', text }
    }
    if (first.type === 'rejected') {
      this.#update(record, { state: 'rejected', serverName: undefined, address: first.address, port: first.port, note: first.message })
      const text = `${client} was turned away: ${first.message}`
      this.#note(text, client)
      return { ok: false, outcome: 'rejected', text, code: 'SOCKLAB_SERVER_FULL' }
    }
    const text = `${client} could not connect: ${describeOutput(first)}`
    this.#update(record, { state: 'failed', note: describeOutput(first) })
    this.#note(text, client)
    return { ok: false, outcome: 'failed', text, code: first.type === 'failed' ? first.code : 'SOCKLAB_CONNECT_FAILED' }
  }

  /**
   * An action as a program client: `connect` starts it (it connects as its source says), `disconnect` kills
   * it, anything else is typed on its console. The answer is what it printed, until it waits for input again.
   */
  async #execProgram(client: string, program: ProgramClient, words: readonly string[], line: string, signal: AbortSignal): Promise<ExecResult> {
    const record = this.#clients.get(client)!
    const { file } = program.source
    const [verb, how] = words
    const running = program.running?.running ? program.running : undefined
    if (verb === 'connect' && words.length === 1) {
      if (running) return { ok: false, outcome: 'connected', text: `${client} (${file}) is already running`, code: 'SOCKLAB_CONFIG_INVALID' }
      this.#update(record, { state: 'connecting', note: undefined })
      this.#note(`${client} starts ${file}`, client)
      const started = await this.run.startProgram!(client, program.source)
      program.running = started
      void started.exited.then((code) => this.#programGone(client, started, code))
      const { text, ended } = await started.transcript.next({ signal })
      const said = text.trimEnd()
      if (ended) {
        const code = await started.exited
        this.#update(record, { state: 'failed', address: started.address, note: `${file} ended (exit ${code})` })
        this.#note(`${client}'s ${file} ended at once (exit ${code})${said ? `: ${lastLine(said)}` : ''}`, client)
        return { ok: false, outcome: 'failed', text: `${file} ended (exit ${code})${said ? `:\n${said}` : ' without printing anything'}`, code: 'SOCKLAB_CONNECT_FAILED' }
      }
      // The server's name for it, where the server said it admitted a client from its address.
      const admitted = this.run.events?.all('client_connected').filter((e) => e.address === started.address).at(-1)
      const serverName = admitted?.client
      this.#update(record, { state: 'connected', address: started.address, ...(serverName ? { serverName, port: admitted!.port } : {}) })
      this.#note(`${client}'s ${file} runs from ${started.address}${said ? `: ${lastLine(said)}` : ''}`, client)
      return { ok: true, outcome: 'connected', text: said }
    }
    if (!running) return { ok: false, outcome: record.state, text: `${client}'s ${file} is not running: exec ${client} connect first`, code: 'SOCKLAB_CONFIG_INVALID' }
    if (verb === 'disconnect' && words.length <= 2) {
      if (how !== undefined && !HOWS.includes(how as DisconnectHow)) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `disconnect takes ${HOWS.join(', ')}, not ${how}`)
      this.#note(`${client}'s ${file} is killed`, client)
      this.#update(record, { state: 'disconnected', note: 'killed' })
      await running.kill()
      return { ok: true, outcome: 'disconnected', text: `${client}'s ${file} was killed` }
    }
    this.#note(`${client} types ${line}`, client)
    running.type(line)
    const { text, ended } = await running.transcript.next({ signal })
    const said = text.trimEnd()
    this.#note(`${client} ← ${firstLine(said || '(nothing)')}`, client)
    if (ended) {
      const code = await running.exited
      this.#update(record, { state: 'disconnected', note: `${file} ended (exit ${code})` })
      return { ok: true, outcome: 'disconnected', text: `${said}${said ? '\n' : ''}(${file} ended, exit ${code})` }
    }
    return { ok: true, outcome: 'reply', text: said }
  }

  #programGone(client: string, program: ConsoleProgram, code: number | null): void {
    const record = this.#clients.get(client)
    if (!record || this.#programs.get(client)?.running !== program || this.#busy.has(client) || record.state !== 'connected') return
    this.#update(record, { state: 'disconnected', note: `ended (exit ${code})` })
    this.#note(`${client}'s program ended (exit ${code})`, client)
  }

  /** `link clear`, or conditions as YAML or JSON (`link {latency: 100ms, bandwidth: 1MB/s}`): from now on, and for its next connections. */
  async #setLink(client: string, text: string): Promise<ExecResult> {
    const record = this.#clients.get(client)!
    if (!this.link) return { ok: false, outcome: record.state, text: `${client} has no relay to set conditions on: lab up --link '{}' gives every client one`, code: 'SOCKLAB_CONFIG_INVALID' }
    const link = text.trim() === 'clear' ? NO_CONDITIONS : parseLinkText(text, 'lab exec link').link
    this.ctx.links.set(client, link)
    const agent = this.ctx.agents.get(client)?.agent
    if (agent?.running) await this.ctx.run.links.of(agent).set(link)
    this.#update(record, { link: describeLink(link) })
    const text_ = `${client}'s link: ${describeLink(link)}`
    this.#note(text_, client)
    return { ok: true, outcome: 'link', text: text_ }
  }

  #record(name: string): ClientRecord {
    return { name, state: 'idle', ...(this.link ? { link: describeLink(this.link) } : {}) }
  }

  async #disconnect(client: string, how: DisconnectHow, signal: AbortSignal): Promise<ExecResult> {
    const record = this.#clients.get(client)!
    if (!this.ctx.agents.get(client)?.agent.running) return { ok: false, outcome: record.state, text: `${client} is not connected`, code: 'SOCKLAB_CONFIG_INVALID' }
    this.#note(`${client} disconnects (${how})`, client)
    await stopAgent(this.ctx, client, how, signal, true)
    this.#update(record, { state: 'disconnected', note: how })
    return { ok: true, outcome: 'disconnected', text: `${client} disconnected (${how})` }
  }

  async #send(client: string, command: string, signal: AbortSignal): Promise<ExecResult> {
    const entry = this.ctx.agents.get(client)
    if (!entry?.agent.running) return { ok: false, outcome: this.#clients.get(client)!.state, text: `${client} is not connected: exec ${client} connect first`, code: 'SOCKLAB_CONFIG_INVALID' }
    this.#note(`${client} → ${command}`, client)
    const reply: Reply = await request(this.ctx, client, entry.agent, command, signal)
    const text = describeReply(reply)
    this.#note(`${client} ← ${firstLine(text)}`, client)
    // As the client exits: a `get` that saved nothing is a failed transfer, whatever the server's reason.
    if (reply.kind === 'error') return { ok: false, outcome: 'error', text, code: /^get\s/.test(command) && !reply.code.startsWith('SOCKLAB_') ? 'SOCKLAB_TRANSFER_FAILED' : reply.code }
    return { ok: true, outcome: 'reply', text }
  }

  #agentGone(client: string, agent: unknown): void {
    const record = this.#clients.get(client)
    const current = this.ctx.agents.get(client)
    // Gone on its own (the server closed it, the lab restarted the server): not through `disconnect`.
    if (!record || record.state !== 'connected' || this.#busy.has(client) || (current && current.agent !== agent)) return
    this.ctx.agents.delete(client)
    this.#update(record, { state: 'disconnected', note: 'the connection ended' })
    this.#note(`${client}'s connection ended`, client)
  }

  #update(record: ClientRecord, change: Partial<ClientRecord>): void {
    Object.assign(record, change, { since: Date.now() })
    this.#changed()
  }

  #note(text: string, client?: string): void {
    this.watch.note(text, client)
  }

  #changed(): void {
    this.watch.changed()
  }

  #freeName(): string {
    for (let n = this.#clients.size + 1; ; n += 1) if (!this.#clients.has(`c${n}`)) return `c${n}`
  }
}

const labClient = (name: string, link: LinkConditions | undefined): ScenarioClient => ({ name, mode: 'auto', protocol: 'socklab', eol: 'lf', maxReceive: DEFAULT_MAX_RECEIVE, retry: 0, relay: link !== undefined, ...(link ? { link } : {}) })

const lastLine = (text: string): string => text.split('\n').at(-1)!.trim()

const firstLine = (text: string): string => {
  const [first, ...rest] = text.split('\n')
  return rest.length > 0 ? `${first} (+${rest.length} lines)` : first!
}
