import { randomBytes } from 'node:crypto'
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { isAbsolute, join } from 'node:path'
import { PassThrough } from 'node:stream'
import type Dockerode from 'dockerode'
import { connectEngine, imageExists } from '../../docker/docker-engine.js'
import { SocklabError } from '../../errors/socklab-error.js'
import { removeNetwork } from '../../ownership/leftovers.js'
import { LABEL, ownerLabels } from '../../ownership/owner-labels.js'
import { EventStream } from '../../events/event-stream.js'
import { JsonLineReader } from '../../events/json-lines.js'
import { allSteps, stepClients, type Scenario } from '../scenario.js'
import { prepareServedFiles } from '../served-files.js'
import type { ScenarioTarget, TargetRun } from './scenario-target.js'
import { DockerClients, type RunContainer } from './docker-clients.js'
import { serverFlags } from './server-flags.js'
import { demultiplexLog } from '../../docker/docker-log.js'
import { commandLine, IN_CONTAINER, SOCKLAB_SERVER, type AsWrittenServer, type ServerSpec } from '../../lab/server-spec.js'
import { hostRouteOverlap, labSubnet } from '../../docker/lab-subnet.js'
import { placeClient, placeServer, routedSubnets, type Topology, type TopologyNetwork } from '../../lab/topology.js'
import { addRoutes, startRouter, type LabRoute } from '../../docker/lab-router.js'
import { routerImage, type RouterImageSource } from '../../docker/router-image.js'
import { isSocklabMade } from '../../ownership/owner-labels.js'
import { cidr, overlaps } from '../../values/ipv4.js'
import type { OwnedTempDir } from '../../ownership/owned-temp-dir.js'
import { whenListening } from '../../process/port-listening.js'
import { startFailure } from '../../process/start-diagnosis.js'
import { serverImage } from '../../docker/server-image.js'
import { DEFAULT_CONTAINER_STARTS, StartTurns } from '../../docker/start-turns.js'
import { LAB_ASSETS } from '../../package/package-files.js'
import { portAnswers } from '../../process/command-server.js'
import { baseImage } from '../../docker/server-image.js'
import { startDockerProgram } from './docker-program.js'
import { SandboxWatch } from '../../docker/sandbox-watch.js'
import { copyApp } from '../../lab/app-copy.js'
import { sandboxHostConfig, SANDBOX_USER, sealedNetns, type SandboxLimits } from '../../docker/sandbox.js'
import { formatSize } from '../../values/byte-size.js'
import { hostProgramImage } from '../../docker/host-program-image.js'
import { startContainerCapture } from '../../capture/tcpdump-container.js'
import { firstChild, processUsage } from '../../process/process-usage.js'

const LISTEN_TIMEOUT_MS = 30_000
/** How long a server has to exit after SIGTERM when it is stopped, before SIGKILL. */
const STOP_GRACE_S = 5
/** How often a subnet taken by another process meanwhile is picked again. */
const SUBNET_ATTEMPTS = 5
/** How long a run waits for another socklab run (another process) to give back a lab subnet it needs. */
export const DEFAULT_SUBNET_WAIT_MS = 120_000

export interface DockerTargetOptions {
  /** How many client containers start at once, all runs together (--container-starts). */
  containerStarts?: number
  /** How long to wait for another socklab process to give back a lab subnet this run needs (--subnet-wait). */
  subnetWaitMs?: number
  log?: (message: string) => void
  /**
   * Run servers under test that are someone else's code sealed (`socklab grade`): an internal network, a
   * network namespace that reaches no address off the lab, a read-only copy, nobody's uid, no capabilities
   * and these limits (src/docker/sandbox.ts). socklab's own server and clients are not sandboxed.
   */
  sandbox?: SandboxLimits
  /** Where the router image comes from (tests replay a machine that has none). */
  routerSource?: RouterImageSource
}

/**
 * Each host a container on a fresh bridge network: the server (alias `server`, the scenario's files
 * mounted read-only) and one container per client connection. Only real containers; nothing simulated.
 */
export class DockerTarget implements ScenarioTarget {
  readonly name = 'docker'
  readonly kind = 'docker'
  readonly #removals = new Set<Promise<void>>()
  /** Networks with fixed addresses are made one after another (see #createNetwork). */
  #networkTurn: Promise<unknown> = Promise.resolve()

  /** Lab subnets in use by this target's runs: the next run that needs one waits for the one before. */
  readonly #subnetHolds = new Map<string, Promise<void>>()

  /** The image of each server under test, found (or built) once per target. */
  readonly #serverImages = new Map<string, Promise<string>>()

  /**
   * Client containers take turns to start, across every run of this target: the engine starts a few a
   * second however many are asked for at once, and in turns the runs started first finish first.
   */
  readonly #turns: StartTurns
  /** Where socklab says what it does for a server under test's image (building, pulling). */
  private readonly log: (message: string) => void
  readonly #subnetWaitMs: number
  readonly #sandbox: SandboxLimits | undefined
  readonly #routerSource: RouterImageSource | undefined
  #routerImage: Promise<string> | undefined

  constructor(
    private readonly docker: Dockerode,
    readonly image: string,
    options: DockerTargetOptions = {},
  ) {
    this.#turns = new StartTurns(options.containerStarts ?? DEFAULT_CONTAINER_STARTS)
    this.log = options.log ?? ((message) => process.stderr.write(`[docker] ${message}\n`))
    this.#subnetWaitMs = options.subnetWaitMs ?? DEFAULT_SUBNET_WAIT_MS
    this.#sandbox = options.sandbox
    this.#routerSource = options.routerSource
  }

  /**
   * Makes, before the first submission, the images every sandboxed run needs: the helper that seals a
   * server's network (the router image) and, for Python servers, the Python base. A machine that can make
   * neither stops the grading here with how to mend it, instead of scoring every submission nothing.
   */
  async prepareClass(python: boolean): Promise<void> {
    if (this.#sandbox) await this.#router()
    if (python) await this.#pythonBase()
  }

  /** The Python base: of servers as written, and of programs run as clients (a student's client.py). */
  #pythonBase(): Promise<string> {
    return this.#cached('base:python', () => baseImage(this.docker, 'python', { offline: 'auto', log: this.log }))
  }

  /** The image of topologies' routers and route helpers (made or pulled once). */
  #router(): Promise<string> {
    this.#routerImage ??= routerImage(this.docker, this.log, this.#routerSource)
    this.#routerImage.catch(() => (this.#routerImage = undefined))
    return this.#routerImage
  }

  /** Connects to the engine and checks that the image is there (the CLI builds a missing one first). */
  static async connect(image: string, options?: DockerTargetOptions): Promise<DockerTarget> {
    const docker = await connectEngine()
    if (!(await imageExists(docker, image))) {
      throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', `the image ${image} is not built: run \`socklab images\``)
    }
    return new DockerTarget(docker, image, options)
  }

  /** The image a server under test runs from (built or made once, when missing). */
  serverImage(spec: ServerSpec): Promise<string> {
    // Servers on the same base (a class of submissions on python) share its image, found once.
    const key = spec.docker && !spec.docker.image ? `base:${spec.docker.base ?? 'python'}` : spec.name
    return this.#cached(key, () => serverImage(this.docker, spec, { offline: 'auto', log: this.log }))
  }

  #cached(key: string, make: () => Promise<string>): Promise<string> {
    let image = this.#serverImages.get(key)
    if (!image) {
      image = make()
      this.#serverImages.set(key, image)
      image.catch(() => this.#serverImages.delete(key))
    }
    return image
  }

  /** Waits until the containers and networks of every finished run are removed. */
  async settle(): Promise<void> {
    while (this.#removals.size > 0) await Promise.all([...this.#removals])
  }

  /**
   * The scenario's bridge network. A client cut off and put back must keep its address (its connection is
   * bound to it, as a laptop's is to its DHCP lease), and Docker keeps addresses only on a subnet given at
   * creation: for scenarios with `network: cut`, the subnet Docker would pick is taken and given explicitly.
   * Runs in parallel must not take the same subnet between the two steps: this target makes its networks
   * one at a time, and a subnet that another process took meanwhile is picked again.
   */
  #createNetwork(name: string, labels: Record<string, string>, fixedAddresses: boolean): Promise<Dockerode.Network> {
    const create = (options: Partial<Dockerode.NetworkCreateOptions> = {}) =>
      this.docker.createNetwork({ Name: name, Driver: 'bridge', Labels: labels, Internal: this.#sandbox !== undefined, ...options })
    if (!fixedAddresses) return create()
    const made = this.#networkTurn.then(async () => {
      for (let attempt = 1; ; attempt += 1) {
        const probe = await create()
        const info = (await probe.inspect()) as { IPAM: { Config: Array<{ Subnet: string; Gateway?: string }> } }
        await probe.remove()
        const { Subnet, Gateway } = info.IPAM.Config[0]!
        try {
          return await create({ IPAM: { Driver: 'default', Config: [{ Subnet, ...(Gateway ? { Gateway } : {}) }] } })
        } catch (error) {
          if (attempt >= SUBNET_ATTEMPTS || !/overlap/i.test((error as Error).message)) throw error
        }
      }
    })
    this.#networkTurn = made.catch(() => undefined)
    return made
  }

  /**
   * A network of a lab subnet (a topology's, or the /24 of an address a server hard-codes), with exactly its
   * CIDR. Never one that overlaps a route of the host's own (that would take the host's way to that network).
   * This target's own runs take a subnet in turns (#holdSubnet); one held by another socklab process is
   * waited for, said so, up to the subnet wait; one taken by a network that is not socklab's is refused.
   */
  async #labNetwork(name: string, labels: Record<string, string>, lab: TopologyNetwork): Promise<Dockerode.Network> {
    const route = await hostRouteOverlap(lab.subnet)
    if (route) {
      throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', `the lab subnet ${lab.subnet} (${lab.name}) overlaps a route of this machine (${route}): a lab network there would cut the host off from it. Pick another subnet in the topology, or run it on another machine`)
    }
    const deadline = Date.now() + this.#subnetWaitMs
    let said = false
    for (;;) {
      try {
        return await this.docker.createNetwork({ Name: name, Driver: 'bridge', Labels: labels, Internal: this.#sandbox !== undefined, IPAM: { Driver: 'default', Config: [{ Subnet: lab.subnet, Gateway: lab.gateway, IPRange: lab.ipRange }] } })
      } catch (error) {
        if (!/overlap/i.test((error as Error).message)) throw error
        const holder = await this.#overlapping(lab.subnet)
        // No holder listed: the one that had it is being removed (the engine frees its pool a moment after
        // the network leaves the list). Tried again, as for a socklab holder, until the subnet wait is over.
        if ((holder && !holder.socklab) || Date.now() > deadline) {
          const who = holder ? `the network ${holder.name}${holder.socklab ? ', of another socklab run that did not give it back in time' : ', which is not socklab\'s'}` : 'another Docker network'
          throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', `the lab subnet ${lab.subnet} (${lab.name}) is taken by ${who}: ${(error as Error).message}`)
        }
        if (holder && !said) {
          this.log(`the lab subnet ${lab.subnet} is held by another socklab run (${holder.name}): waiting for it`)
          said = true
        }
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
    }
  }

  /** The network that holds a subnet overlapping `subnet`, and whether socklab made it. */
  async #overlapping(subnet: string): Promise<{ name: string; socklab: boolean } | undefined> {
    const wanted = cidr(subnet)!
    for (const n of await this.docker.listNetworks()) {
      const hit = n.IPAM?.Config?.some((c) => {
        const theirs = c.Subnet ? cidr(c.Subnet) : undefined
        return theirs !== undefined && overlaps(theirs, wanted)
      })
      if (hit) return { name: n.Name, socklab: isSocklabMade(n.Labels) }
    }
    return undefined
  }

  /**
   * A server under test in a container: its image with its own command (or the spec's docker command), or
   * its base image with the spec's folder at /srv/app, the lab assets at /srv/lab and the spec's command.
   */
  async #commandServer(spec: ServerSpec, options: Record<string, unknown>): Promise<ServerContainer> {
    const docker = spec.docker
    if (!docker) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `the ${spec.name} server has no \`docker:\` section: it runs on the local target only (docs/servers.md)`)
    const Image = await this.serverImage(spec)
    if (spec.asWritten) {
      // As written: no arguments, from a copy of its folder (the author's folder is never written).
      return { Image, Cmd: spec.command, Env: ['PYTHONUNBUFFERED=1'], WorkingDir: IN_CONTAINER.dir, User: '1000:1000', binds: [] }
    }
    const onBase = docker.image === undefined
    const { argv, env } = commandLine(spec, IN_CONTAINER, options, docker.command ?? spec.command)
    const ownCommand = !onBase && docker.command === undefined
    return {
      Image,
      ...(ownCommand ? {} : { Cmd: argv }),
      Env: Object.entries({ PYTHONUNBUFFERED: '1', ...env }).map(([key, value]) => `${key}=${value}`),
      ...(onBase ? { WorkingDir: IN_CONTAINER.dir, User: '1000:1000' } : {}),
      binds: onBase ? [`${spec.dir}:${IN_CONTAINER.dir}:ro`, `${LAB_ASSETS}:${IN_CONTAINER.lab}:ro`] : [],
    }
  }

  /** Waits for the runs before that hold `subnet`, then holds it until the returned release is called (its network removed). */
  async #holdSubnet(subnet: string): Promise<() => void> {
    const previous = this.#subnetHolds.get(subnet) ?? Promise.resolve()
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    const turn = previous.then(() => held)
    this.#subnetHolds.set(subnet, turn)
    await previous
    return () => {
      release()
      if (this.#subnetHolds.get(subnet) === turn) this.#subnetHolds.delete(subnet)
    }
  }

  /** A copy of a server's folder for its container (the author's own is never written), without the folder it serves. */
  async #appCopy(server: AsWrittenServer): Promise<OwnedTempDir> {
    const { copy, served } = await copyApp(server)
    // Where the run's files are mounted: made here, since a sandboxed copy is mounted read-only.
    if (served) await mkdir(served, { recursive: true })
    // uid 1000 in the container runs it, and may write beside it as it would at home.
    await chmod(copy.path, 0o777)
    return copy
  }

  async prepare(scenario: Scenario, shippedFiles: string, spec: ServerSpec = SOCKLAB_SERVER): Promise<TargetRun> {
    const id = `${scenario.name}-${randomBytes(3).toString('hex')}`
    const labels = ownerLabels('scenario', id)
    const files = await prepareServedFiles(shippedFiles, scenario.server.files)
    const containers: RunContainer[] = []
    const cuts = allSteps(scenario.steps).some((step) => step.kind === 'network' && step.action === 'cut')
    const asWritten = spec.asWritten
    const fixedHost = asWritten?.host?.value
    // A topology's subnets; a server as written that binds a fixed address alone gets the /24 that holds it.
    let topology: Topology | undefined
    let serverPlace: { network: TopologyNetwork; address?: string } | undefined
    try {
      topology = scenario.topology ?? (fixedHost ? hostSubnet(asWritten!) : undefined)
      serverPlace = topology ? placeServer(topology, asWritten?.host) : undefined
    } catch (error) {
      await files[Symbol.asyncDispose]()
      throw error
    }
    const base = `socklab-${id}`
    /** The scenario's own rooms (not the one subnet of a fixed address): each network is named after its room. */
    const rooms = topology !== undefined && topology === scenario.topology
    const names = new Map<TopologyNetwork, string>(topology?.networks.map((n) => [n, rooms ? `${base}-${n.name}` : base]) ?? [])
    const networks: Dockerode.Network[] = []
    const releases: Array<() => void> = []
    let copy: OwnedTempDir | undefined
    /** Copies of the folders of programs run as clients. */
    const copies: OwnedTempDir[] = []
    let clients: DockerClients | undefined
    /** What the run follows on the engine, stopped first when it is disposed of. */
    const stops: Array<() => void> = []
    const dispose = async () => {
      for (const stop of stops) stop()
      // Client containers still starting in standby are waited for, so that none is created after the sweep
      // (those still waiting for their turn never start).
      await clients?.close()
      await Promise.all(containers.map(({ container }) => container.remove({ force: true, v: true }).catch(() => undefined)))
      await Promise.all(networks.map((network) => removeNetwork(network).catch(() => undefined)))
      for (const release of releases) release()
      await files[Symbol.asyncDispose]()
      await copy?.[Symbol.asyncDispose]()
      await Promise.all(copies.map((c) => c[Symbol.asyncDispose]()))
    }
    try {
      copy = asWritten ? await this.#appCopy(asWritten) : undefined
      if (topology) {
        // Runs of this target that need a subnet (the same server, --parallel, the same topology) take it in turns;
        // subnets are taken in one order, by every run and process, so that no two runs wait for each other.
        const ordered = [...topology.networks].sort((a, b) => cidr(a.subnet)!.base - cidr(b.subnet)!.base)
        for (const n of ordered) releases.push(await this.#holdSubnet(n.subnet))
        for (const n of ordered) networks.push(await this.#labNetwork(names.get(n)!, labels, n))
      } else {
        networks.push(await this.#createNetwork(base, labels, cuts))
      }
    } catch (error) {
      await dispose()
      throw error
    }
    const networkName = serverPlace ? names.get(serverPlace.network)! : base
    const serverHost = serverPlace?.address
    const port = asWritten?.port ?? IN_CONTAINER.port
    try {
      const routerImageName = topology?.router === 'forward' && topology.networks.length > 1 ? await this.#router() : undefined
      if (routerImageName) {
        const router = await startRouter(this.docker, routerImageName, `${base}-router`, labels, topology!.networks.map((n) => ({ network: names.get(n)!, address: n.router })))
        containers.push({ name: 'router', container: router, logged: false })
      }
      /** Gives a container on `n` its routes to the other rooms through the router (nothing without one). */
      const giveRoutes = async (container: Dockerode.Container, n: TopologyNetwork): Promise<void> => {
        if (!routerImageName) return
        const routes: LabRoute[] = routedSubnets(topology!, n).map((subnet) => ({ subnet, via: n.router }))
        await addRoutes(this.docker, routerImageName, container, routes, labels)
      }
      const { binds, ...how } = spec.kind === 'command' ? await this.#commandServer(spec, scenario.server.options) : socklabServer(scenario.server.options, this.image)
      const endpoint = { Aliases: ['server'], ...(serverHost ? { IPAMConfig: { IPv4Address: serverHost } } : {}) }
      // Someone else's code runs sealed: in a network namespace made and closed before it starts.
      const sandbox = spec.kind === 'command' ? this.#sandbox : undefined
      const netns = sandbox
        ? await sealedNetns(this.docker, await this.#router(), { name: `${base}-netns`, labels, network: networkName, endpoint, gateways: await gatewaysOf(networks) })
        : undefined
      if (netns) {
        containers.push({ name: 'netns', container: netns, logged: false })
        if (serverPlace) await giveRoutes(netns, serverPlace.network)
      }
      const server = await this.docker.createContainer({
        ...how,
        ...(sandbox ? { User: SANDBOX_USER, Env: [...(how.Env ?? []), 'PYTHONDONTWRITEBYTECODE=1'] } : {}),
        name: `${base}-server`,
        Labels: labels,
        // Under an init process, as the signals' recipient: a program that is PID 1 gets no default handlers,
        // so the original would ignore SIGTERM.
        HostConfig: {
          NetworkMode: netns ? `container:${netns.id}` : networkName,
          Init: spec.kind === 'command',
          Binds: copy
            ? [`${copy.path}:${IN_CONTAINER.dir}${sandbox ? ':ro' : ''}`, `${files.dir}:${servedIn(asWritten!)}:ro`]
            : [`${files.dir}:${IN_CONTAINER.files}:ro`, ...binds],
          ...(sandbox ? sandboxHostConfig(sandbox) : {}),
        },
        ...(netns ? {} : { NetworkingConfig: { EndpointsConfig: { [networkName]: endpoint } } }),
      })
      containers.push({ name: 'server', container: server, logged: true })
      /** The container whose network namespace the server is in: where clients reach it. */
      const host = netns ?? server
      /** What the server did against its sandbox's limits (a flood of output, memory, processes). */
      const watch = sandbox ? new SandboxWatch(this.docker, server, sandbox) : undefined
      if (watch) {
        stops.push(() => watch.stop())
        await watch.watchEvents()
      }
      const events = new EventStream()
      /** Lines of the server's standard output read so far, over all its runs. */
      let linesRead = 0
      let previousLog: Promise<unknown> = Promise.resolve()
      /**
       * Starts the server container (again after a stop: same address, same alias) and follows its log. A
       * restarted container's log repeats the earlier runs' lines first: once the previous log has been read
       * to its end, exactly that many lines are skipped. (Filtering by start time instead raced with the
       * engine recording that time, under load.)
       */
      const startServer = async () => {
        await previousLog
        const listened = events.all('listening').length
        const skip = linesRead
        await server.start()
        if (watch) watch.followStats(await server.inspect().then((info) => info.State.Pid, () => undefined))
        // Its routes go with its network namespace: given again at every start, before any client connects
        // (a sealed namespace outlives the server's restarts, and has them already).
        if (serverPlace && !netns) await giveRoutes(server, serverPlace.network)
        const logs = (await server.logs({ follow: true, stdout: true, stderr: true })) as unknown as NodeJS.ReadableStream
        previousLog = new Promise((resolve) => {
          logs.once('end', resolve)
          logs.once('error', resolve)
        })
        let seen = 0
        let printed = 0
        const reader = new JsonLineReader()
        const stdout = new PassThrough()
        const stderr = new PassThrough()
        /** Past the output limit a sandboxed server is stopped: a flood would otherwise slow the whole grading. */
        const count = (chunk: Buffer): boolean => {
          if (!sandbox) return true
          printed += chunk.length
          if (printed <= sandbox.output) return true
          if (!watch!.has('output')) {
            watch!.note(`output: it printed more than ${formatSize(sandbox.output)} (--output-limit), and was stopped`)
            void server.kill({ signal: 'SIGKILL' }).catch(() => undefined)
          }
          return false
        }
        stderr.on('data', count)
        stdout.on('data', (chunk: Buffer) => {
          if (!count(chunk)) return
          const fresh = reader.push(chunk.toString('utf8')).filter(() => (seen += 1) > skip)
          linesRead += fresh.length
          events.add(spec.adapter ? spec.adapter.lines(fresh) : fresh)
        })
        this.docker.modem.demuxStream(logs, stdout, stderr)
        const abort = new AbortController()
        // A container removed meanwhile (the run disposed of, or killed) has nothing to wait for: that too ends the wait.
        void server.wait().then(
          (exit: { StatusCode?: number }) => abort.abort(new Error(`it exited (code ${exit?.StatusCode ?? '?'})`)),
          (error: Error) => abort.abort(error),
        )
        const timer = setTimeout(() => abort.abort(new Error(`it did not listen within ${LISTEN_TIMEOUT_MS} ms`)), LISTEN_TIMEOUT_MS)
        try {
          // A sealed server answers nothing off its lab network, the host included: its own tables say when it listens.
          if (spec.adapter?.cannotSee('listening') && !netns) await portAnswers(await containerAddress(host, networkName), port, abort.signal)
          else if (spec.adapter?.cannotSee('listening')) await listensIn(server, port, abort.signal)
          else if (spec.kind === 'command') await Promise.race([events.waitFor('listening', undefined, listened + 1, abort.signal), listensIn(server, port, abort.signal)])
          else await events.waitFor('listening', undefined, listened + 1, abort.signal)
        } catch (error) {
          if (spec.kind !== 'command') throw error
          throw await containerStartFailure(spec, server, port, (error as Error).message)
        } finally {
          clearTimeout(timer)
        }
      }
      const positions = new Map(scenario.clients.map((c, i) => [c.name, i + 1]))
      const programStarts = new Map<string, number>()
      const place = topology
        ? (client: { name: string }) => {
            const n = placeClient(topology!, client.name, positions.get(client.name) ?? 0)
            return { network: names.get(n)!, addRoutes: (container: Dockerode.Container) => giveRoutes(container, n) }
          }
        : undefined
      clients = new DockerClients(this.docker, this.image, this.#turns, { id, labels, network: networkName, server: { host: serverHost ?? 'server', port }, place }, containers, connectCounts(scenario))
      // The clients' containers start while the server does.
      clients.prepare(scenario.clients)
      await startServer()
      const serverAddress = `${serverHost ?? (await containerAddress(host, networkName))}:${port}`
      return {
        serverAddress,
        serverLabel: `${spec.kind === 'command' ? `${spec.name} server` : 'server'} (${rooms ? `${topology!.name}: ${serverPlace!.network.name} ${serverPlace!.network.subnet}` : networkName})`,
        events,
        adapter: spec.adapter,
        files,
        startClient: (client, index) => clients!.start(client, index),
        startProgram: async (name, program) => {
          positions.set(name, positions.get(name) ?? positions.size + 1)
          const starts = (programStarts.get(name) ?? 0) + 1
          programStarts.set(name, starts)
          const image = await this.#pythonBase()
          const where = place?.({ name })
          return startDockerProgram({ docker: this.docker, image, name: `${base}-${name}-${starts}`, logName: `program-${name}-${starts}`, labels, network: where?.network ?? networkName, place: where, containers, copies }, program)
        },
        links: clients,
        network: clients,
        // The server's process as the engine's machine sees it (under an init process: its child), where that is this one.
        serverUsage: async () => {
          const pid = await server.inspect().then((info) => (info.State.Running ? info.State.Pid : undefined), () => undefined)
          if (!pid) return undefined
          return processUsage(spec.kind === 'command' ? ((await firstChild(pid)) ?? pid) : pid)
        },
        startCapture: async (file) => {
          const image = await this.#cached('host:tcpdump', () => hostProgramImage(this.docker, 'tcpdump', this.log))
          const names = await Promise.all(networks.map((n) => n.inspect().then((info: { Name: string }) => info.Name)))
          const network = networks[names.indexOf(networkName)] ?? networks[0]!
          const { capture, container } = await startContainerCapture(this.docker, { image, name: `${base}-capture`, labels, network, file })
          containers.push({ name: 'capture', container, logged: false })
          return capture
        },
        serverControl: {
          // SIGTERM, then SIGKILL after the grace period (a server that ignores SIGTERM is stopped all the same).
          async stop() {
            await server.stop({ t: STOP_GRACE_S })
          },
          start: startServer,
        },
        containerEvents: (listener) => {
          const until = new AbortController()
          void this.docker
            .getEvents({ filters: { type: ['container'], label: [`${LABEL.run}=${id}`], event: ['start', 'die', 'kill', 'oom'] }, abortSignal: until.signal } as Dockerode.GetEventsOptions)
            .then((stream) => {
              const reader = new JsonLineReader()
              stream.on('data', (chunk: Buffer) => {
                for (const { value } of reader.push(chunk.toString('utf8'))) {
                  const event = value as { Action?: string; Actor?: { Attributes?: Record<string, string> } } | undefined
                  const attributes = event?.Actor?.Attributes ?? {}
                  if (!event?.Action) continue
                  const exitCode = attributes.exitCode === undefined ? undefined : Number(attributes.exitCode)
                  listener({ action: event.Action, container: attributes.name ?? '?', ...(exitCode === undefined ? {} : { exitCode }) })
                }
              })
              stream.on('error', () => undefined)
            }, () => undefined)
          return () => until.abort()
        },
        limitsCrossed: async () => (watch ? watch.reasons() : []),
        saveLogs: async (dir) => {
          await mkdir(dir, { recursive: true })
          return Promise.all(
            containers.filter((c) => c.logged).map(async ({ name, container }) => {
              const path = join(dir, `${name}.log`)
              const raw = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer
              await writeFile(path, demultiplexLog(raw).combined)
              return path
            }),
          )
        },
        // Removing containers and the network takes a few hundred milliseconds: it goes on while the next
        // scenario starts, and settle() waits for it.
        [Symbol.asyncDispose]: async () => {
          const removal: Promise<void> = dispose().finally(() => this.#removals.delete(removal))
          this.#removals.add(removal)
        },
      }
    } catch (error) {
      await dispose()
      throw error
    }
  }
}

/** A server container's image, command and mounts, less its name, labels and network. */
type ServerContainer = Pick<Dockerode.ContainerCreateOptions, 'Image' | 'Cmd' | 'Env' | 'WorkingDir' | 'User'> & { binds: string[] }

/** socklab's own server: the socklab image, its events logged as JSON. */
function socklabServer(options: Record<string, unknown>, image: string): ServerContainer {
  return { Image: image, Cmd: ['server', ...serverFlags(options)], Env: ['SOCKLAB_LOG_FORMAT=json'], binds: [] }
}

/** The one-subnet lab of a server as written that binds a fixed address: the /24 that holds it. */
function hostSubnet(server: AsWrittenServer): Topology {
  const host = server.host!
  const lab = labSubnet(host.value)
  if (!lab) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `${server.source}: ${host.name} on line ${host.line} is ${JSON.stringify(host.value)}, which is not one IPv4 address a lab network can hold`)
  return { name: 'lab', description: '', file: '', router: 'none', networks: [{ name: 'lab', ...lab, router: '', server: host.value, clients: 'rest' }] }
}

/** Where a server as written finds the folder it serves, in its container. */
function servedIn(server: AsWrittenServer): string {
  return isAbsolute(server.files) ? server.files : join(IN_CONTAINER.dir, server.files)
}

/** Resolves once the container's own kernel tables show the port listening (never where they cannot be read). */
async function listensIn(container: Dockerode.Container, port: number, signal: AbortSignal): Promise<void> {
  return whenListening(port, signal, `/proc/${(await container.inspect()).State.Pid}/net`)
}

/** A server container that did not come up: what ran, what was waited for, the likely cause and its last lines. */
async function containerStartFailure(spec: ServerSpec, container: Dockerode.Container, port: number, why: string): Promise<SocklabError> {
  const raw = (await container.logs({ stdout: true, stderr: true, follow: false }).catch(() => Buffer.alloc(0))) as unknown as Buffer
  const host = spec.asWritten?.host
  const where = spec.asWritten ? ` (${spec.asWritten.source}${host ? `, binding ${host.value} from ${host.name} on line ${host.line}` : ''})` : ''
  return startFailure({
    server: spec.name,
    why,
    ran: `${spec.asWritten ? spec.command.join(' ') : 'its container'}${where}, in a container on the docker target`,
    waited: `its listening line (${spec.adapter?.describe('listening') ?? 'none'}) or port ${port} to listen`,
    output: demultiplexLog(raw).combined,
    port,
    ...(spec.asWritten ? { ownPort: spec.asWritten.portFound ? `${spec.asWritten.portFound.name} on line ${spec.asWritten.portFound.line}` : 'the one it binds itself' } : {}),
  })
}

/** The gateways of a run's networks: the host's own addresses on them. */
async function gatewaysOf(networks: readonly Dockerode.Network[]): Promise<string[]> {
  const infos = await Promise.all(networks.map((n) => n.inspect() as Promise<{ IPAM: { Config: Array<{ Gateway?: string }> } }>))
  return infos.flatMap((info) => info.IPAM.Config.flatMap((c) => (c.Gateway ? [c.Gateway] : [])))
}

/** The address a container has on a network. */
async function containerAddress(container: Dockerode.Container, network: string): Promise<string> {
  const info = await container.inspect()
  return info.NetworkSettings.Networks[network]!.IPAddress
}

/** How many times each client connects in the scenario. */
function connectCounts(scenario: Scenario): Map<string, number> {
  const counts = new Map<string, number>()
  for (const step of allSteps(scenario.steps)) {
    if (step.kind === 'connect') for (const client of stepClients(step)) counts.set(client, (counts.get(client) ?? 0) + 1)
  }
  return counts
}
