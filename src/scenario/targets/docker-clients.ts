import { setMaxListeners } from 'node:events'
import type Dockerode from 'dockerode'
import type { AgentOutput } from '../../client/agent-protocol.js'
import { AgentChannel } from '../agent-channel.js'
import { startAttached, type AttachedStart } from '../../docker/attached-start.js'
import type { ScenarioClient } from '../scenario.js'
import type { StartTurns } from '../../docker/start-turns.js'
import { clientArgs } from './client-args.js'
import type { RelayOutput } from '../../relay/relay-control.js'
import { ControlledLink, type LinkHandle } from './relay-link.js'
import type { ClientAgent, LinkControl, NetworkControl } from './scenario-target.js'

/** Where client containers save their downloads. */
const DOWNLOAD_DIR = '/tmp'
/** How long a container may take, once its turn to start has come, to say it is ready. */
const READY_TIMEOUT_MS = 15_000

/** A container of the run: removed with it; its log is kept after a failure when `logged`. */
export interface RunContainer {
  name: string
  container: Dockerode.Container
  logged: boolean
}

/** Where a client of a topology sits: its network, and how a container of it gets its routes through the router. */
export interface ClientPlace {
  network: string
  addRoutes(container: Dockerode.Container): Promise<void>
}

interface Standby {
  index: number
  ready: Promise<{ agent: ClientAgent; entry: RunContainer }>
}

/**
 * The client containers of one scenario run on the docker target. Starting a container takes a few hundred
 * milliseconds, so each client's next connection waits ready ahead of time (`socklab client --standby`)
 * and connects only when its `connect` step comes. A client whose connection a step resets goes through a
 * `socklab relay` container of its own.
 */
export class DockerClients implements LinkControl, NetworkControl {
  readonly #agents = new Map<ClientAgent, Dockerode.Container>()
  readonly #relays = new Map<ClientAgent, ControlledLink>()
  readonly #standby = new Map<string, Standby>()
  readonly #addresses = new Map<ClientAgent, string>()
  readonly #places = new Map<ClientAgent, ClientPlace>()
  /** Every launch, used or not, so that the run can wait for all of them before removing containers. */
  readonly #launches: Array<Promise<unknown>> = []
  /** Aborted when the run ends: launches still waiting for their turn are dropped (each one listens). */
  readonly #closing = new AbortController()

  constructor(
    private readonly docker: Dockerode,
    private readonly image: string,
    private readonly turns: StartTurns,
    /** `server`: where clients connect (default the alias `server`, port 12345; a server as written, the address and port it binds). */
    private readonly run: { id: string; labels: Record<string, string>; network: string; server?: { host: string; port: number }; place?: (client: ScenarioClient) => ClientPlace },
    private readonly containers: RunContainer[],
    /** How many times each client connects in the scenario. */
    private readonly connects: ReadonlyMap<string, number>,
  ) {
    setMaxListeners(0, this.#closing.signal)
  }

  /** Gets every client's first connection ready (call while the server starts). */
  prepare(clients: readonly ScenarioClient[]): void {
    for (const client of clients) this.#prepare(client, 1)
  }

  async start(client: ScenarioClient, index: number): Promise<ClientAgent> {
    const waiting = this.#standby.get(client.name)
    this.#standby.delete(client.name)
    const { agent, entry } = waiting?.index === index ? await waiting.ready : await this.#launch(client, index)
    entry.logged = true
    if (index < (this.connects.get(client.name) ?? 0)) this.#prepare(client, index + 1)
    // The relay waited in standby too: it gets the client's conditions as they are now, then the client connects.
    const relay = this.#relays.get(agent)
    if (relay && client.link) await relay.set(client.link)
    agent.write({ connect: true })
    return agent
  }

  of(agent: ClientAgent): LinkHandle {
    const relay = this.#relays.get(agent)
    if (!relay) throw new Error('this client does not connect through a relay')
    return relay
  }

  /** Takes the client's container off the network, noting its address so that `restore` gives it back. */
  async cut(agent: ClientAgent): Promise<void> {
    const container = this.#agents.get(agent)!
    const network = this.#places.get(agent)?.network ?? this.run.network
    const { NetworkSettings } = await container.inspect()
    this.#addresses.set(agent, NetworkSettings.Networks[network]!.IPAddress)
    await this.docker.getNetwork(network).disconnect({ Container: container.id, Force: true })
  }

  async restore(agent: ClientAgent): Promise<void> {
    const IPv4Address = this.#addresses.get(agent)
    const place = this.#places.get(agent)
    const container = this.#agents.get(agent)!
    await this.docker.getNetwork(place?.network ?? this.run.network).connect({
      Container: container.id,
      ...(IPv4Address ? { EndpointConfig: { IPAMConfig: { IPv4Address } } } : {}),
    })
    // Its routes went with its interface.
    await place?.addRoutes(container)
  }

  /** Starts no more containers, and resolves once every launch under way has finished, one way or the other. */
  async close(): Promise<void> {
    this.#closing.abort(new Error('the run is over'))
    await Promise.allSettled(this.#launches)
  }

  #prepare(client: ScenarioClient, index: number): void {
    const ready = this.#launch(client, index)
    ready.catch(() => undefined) // reported when the connection is asked for
    this.#standby.set(client.name, { index, ready })
  }

  /** A client container in standby (and its relay), started and waiting for `{"connect": true}`. */
  #launch(client: ScenarioClient, index: number): Promise<{ agent: ClientAgent; entry: RunContainer }> {
    const launch = this.turns.run(() => this.#start(client, index), this.#closing.signal)
    this.#launches.push(launch)
    return launch
  }

  async #start(client: ScenarioClient, index: number): Promise<{ agent: ClientAgent; entry: RunContainer }> {
    const name = `${client.name}-${index}`
    const server = this.run.server ?? { host: 'server', port: 12345 }
    const host = client.relay ? `relay-${name}` : server.host
    const port = client.relay ? 12345 : server.port
    const place = this.run.place?.(client)
    const network = place?.network ?? this.run.network
    const relay = client.relay ? await this.#startRelay(host, network, place) : undefined
    const container = await this.docker.createContainer({
      ...this.#attachable(network),
      name: `socklab-${this.run.id}-${name}`,
      Cmd: ['client', '--json', '--standby', '--no-progress', '--host', host, '--port', String(port), ...clientArgs(client), '--download-dir', DOWNLOAD_DIR],
    })
    const entry = { name: `client-${name}`, container, logged: false }
    this.containers.push(entry)
    const agent = await this.#agent(container)
    const first = await agent.channel.next(AbortSignal.timeout(READY_TIMEOUT_MS))
    if (first.type !== 'standby') throw new Error(`the client container did not start: ${JSON.stringify(first)}`)
    await place?.addRoutes(container)
    this.#agents.set(agent, container)
    if (place) this.#places.set(agent, place)
    if (relay) this.#relays.set(agent, relay)
    return { agent, entry }
  }

  /** A `socklab relay` container in front of the server, reachable as `alias`. */
  async #startRelay(alias: string, network: string, place: ClientPlace | undefined): Promise<ControlledLink> {
    const container = await this.docker.createContainer({
      ...this.#attachable(network),
      name: `socklab-${this.run.id}-${alias}`,
      Cmd: ['relay', '--to', `${this.run.server?.host ?? 'server'}:${this.run.server?.port ?? 12345}`, '--port', '12345'],
      NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [alias] } } },
    })
    this.containers.push({ name: alias, container, logged: true })
    const relay = await this.#attach<RelayOutput>(container)
    const ready = await relay.channel.next(AbortSignal.timeout(READY_TIMEOUT_MS))
    if (ready.type !== 'listening') throw new Error(`the relay did not start: ${JSON.stringify(ready)}`)
    await place?.addRoutes(container)
    return new ControlledLink(relay.channel, relay.write)
  }

  async #agent(container: Dockerode.Container): Promise<ClientAgent> {
    const { channel, exited, isRunning, write } = await this.#attach<AgentOutput>(container)
    return {
      channel,
      exited,
      get running() {
        return isRunning()
      },
      write: (input) => write(`${JSON.stringify(input)}\n`),
      async kill() {
        await container.kill({ signal: 'SIGKILL' }).catch(() => undefined)
        await exited
      },
      // The archive endpoint answers for stopped containers too, so a killed client can be looked into.
      hasDownload: (name) => container.infoArchive({ path: `${DOWNLOAD_DIR}/${name}` }).then(() => true, () => false),
    }
  }

  /** Starts a container with its standard streams attached; its standard output is read as JSON lines. */
  async #attach<T extends { type: string }>(container: Dockerode.Container): Promise<Attached<T>> {
    const channel = new AgentChannel<T>()
    const started = await startAttached(this.docker, container, {
      stdout: (text) => channel.feed(text),
      stderr: (text) => channel.transcript.push(`stderr: ${text.trimEnd()}`),
      end: () => channel.end(),
    })
    return { channel, ...started }
  }

  /** A container on one of the scenario's networks whose standard streams the runner drives. */
  #attachable(network: string): Dockerode.ContainerCreateOptions {
    return {
      Image: this.image,
      OpenStdin: true,
      StdinOnce: false,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      Labels: this.run.labels,
      Healthcheck: { Test: ['NONE'] },
      HostConfig: { NetworkMode: network },
    }
  }
}

/** A started container's JSON-lines output, its input, and its end. */
interface Attached<T extends { type: string }> extends AttachedStart {
  channel: AgentChannel<T>
}

