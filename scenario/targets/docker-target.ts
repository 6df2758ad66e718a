import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import type Dockerode from 'dockerode'
import { SocklabError } from '../../errors/socklab-error.js'
import { EventStream } from '../../events/event-stream.js'
import type { AgentOutput } from '../../client/agent-protocol.js'
import { AgentChannel } from '../agent-channel.js'
import type { Scenario } from '../scenario.js'
import { prepareServedFiles } from '../served-files.js'
import type { ClientAgent, ScenarioTarget, TargetRun } from './scenario-target.js'
import { serverFlags } from './server-flags.js'
import { clientArgs } from './client-args.js'
import { demultiplexLog } from './docker-log.js'

/** Every container and network a scenario run makes carries this label (value: the run's id). */
export const SCENARIO_LABEL = 'dev.socklab.scenario'
const LISTEN_TIMEOUT_MS = 30_000
const RELAY_TIMEOUT_MS = 15_000
/** Where client containers save their downloads. */
const DOWNLOAD_DIR = '/tmp'

/**
 * Each host a container on a fresh bridge network: the server (alias `server`, the scenario's files
 * mounted read-only) and one container per client connection. Only real containers; nothing simulated.
 */
export class DockerTarget implements ScenarioTarget {
  readonly name = 'docker'
  readonly kind = 'docker'

  private constructor(
    private readonly docker: Dockerode,
    readonly image: string,
  ) {}

  /** Connects to the engine (dockerode is loaded only for this target) and checks the image is there. */
  static async connect(image: string): Promise<DockerTarget> {
    const { default: Docker } = await import('dockerode')
    const docker = new Docker()
    try {
      await docker.ping()
    } catch (error) {
      throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', `no Docker engine answers: ${(error as Error).message}`)
    }
    try {
      await docker.getImage(image).inspect()
    } catch {
      throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', `the image ${image} is not built: run \`npm run images\``)
    }
    return new DockerTarget(docker, image)
  }

  async prepare(scenario: Scenario, shippedFiles: string): Promise<TargetRun> {
    const id = `${scenario.name}-${randomBytes(3).toString('hex')}`
    const labels = { [SCENARIO_LABEL]: id }
    const files = await prepareServedFiles(shippedFiles, scenario.server.files)
    const containers: Array<{ name: string; container: Dockerode.Container }> = []
    const network = await this.docker.createNetwork({ Name: `socklab-${id}`, Driver: 'bridge', Labels: labels })
    const networkName = `socklab-${id}`
    const dispose = async () => {
      await Promise.all(containers.map(({ container }) => container.remove({ force: true, v: true }).catch(() => undefined)))
      await network.remove().catch(() => undefined)
      await files[Symbol.asyncDispose]()
    }
    try {
      const server = await this.docker.createContainer({
        Image: this.image,
        name: `socklab-${id}-server`,
        Cmd: ['server', ...serverFlags(scenario.server.options)],
        Env: ['SOCKLAB_LOG_FORMAT=json'],
        Labels: labels,
        HostConfig: { NetworkMode: networkName, Binds: [`${files.dir}:/srv/server_files:ro`] },
        NetworkingConfig: { EndpointsConfig: { [networkName]: { Aliases: ['server'] } } },
      })
      containers.push({ name: 'server', container: server })
      const events = new EventStream()
      /** Starts the server container (again after a stop: same address, same alias) and follows its log. */
      const startServer = async () => {
        const listened = events.all('listening').length
        await server.start()
        // From the exact start time, so a restart never reads the previous run's lines again.
        const { State } = await server.inspect()
        const since = dockerTimestamp(State.StartedAt)
        const logs = (await server.logs({ follow: true, stdout: true, stderr: true, since } as never)) as unknown as NodeJS.ReadableStream
        const stdout = new PassThrough()
        stdout.on('data', (chunk: Buffer) => events.feed(chunk.toString('utf8')))
        this.docker.modem.demuxStream(logs, stdout, new PassThrough())
        const abort = new AbortController()
        void server.wait().then(() => abort.abort(new Error('the server container exited')))
        const timer = setTimeout(() => abort.abort(new Error(`the server did not listen within ${LISTEN_TIMEOUT_MS} ms`)), LISTEN_TIMEOUT_MS)
        try {
          await events.waitFor('listening', undefined, listened + 1, abort.signal)
        } finally {
          clearTimeout(timer)
        }
      }
      await startServer()
      const agentContainers = new Map<ClientAgent, Dockerode.Container>()
      /** Relays by alias, then by the agent that connects through each. */
      const relays = new Map<string | ClientAgent, Attached<RelayOutput>>()
      const network = this.docker.getNetwork(networkName)
      return {
        serverLabel: `server (${networkName})`,
        events,
        files,
        startClient: async (client, index) => {
          const name = `${client.name}-${index}`
          // A client whose connection a step resets goes through a relay container of its own.
          const host = client.relay ? await this.#startRelay(`relay-${name}`, id, labels, networkName, containers, relays) : 'server'
          const container = await this.docker.createContainer({
            ...attachable(labels, networkName),
            Image: this.image,
            name: `socklab-${id}-${name}`,
            Cmd: ['client', '--json', '--no-progress', '--host', host, ...clientArgs(client), '--download-dir', DOWNLOAD_DIR],
          })
          containers.push({ name: `client-${name}`, container })
          const agent = await this.#agent(container)
          agentContainers.set(agent, container)
          if (client.relay) relays.set(agent, relays.get(host)!)
          return agent
        },
        resets: {
          async reset(agent) {
            const relay = relays.get(agent)
            if (!relay) throw new Error('this client does not connect through a relay')
            relay.write('reset\n')
            const answer = await relay.channel.next(AbortSignal.timeout(RELAY_TIMEOUT_MS))
            if (answer.type !== 'reset') throw new Error(`the relay answered ${JSON.stringify(answer)}`)
            return Number(answer.connections)
          },
        },
        serverControl: {
          async stop() {
            await server.kill({ signal: 'SIGTERM' })
            await server.wait()
          },
          start: startServer,
        },
        network: {
          async cut(agent) {
            await network.disconnect({ Container: agentContainers.get(agent)!.id, Force: true })
          },
          async restore(agent) {
            await network.connect({ Container: agentContainers.get(agent)!.id })
          },
        },
        saveLogs: async (dir) => {
          await mkdir(dir, { recursive: true })
          return Promise.all(
            containers.map(async ({ name, container }) => {
              const path = join(dir, `${name}.log`)
              const raw = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer
              await writeFile(path, demultiplexLog(raw).combined)
              return path
            }),
          )
        },
        [Symbol.asyncDispose]: dispose,
      }
    } catch (error) {
      await dispose()
      throw error
    }
  }

  /** Starts a container with its standard streams attached; its standard output is read as JSON lines. */
  async #attach<T extends { type: string }>(container: Dockerode.Container): Promise<Attached<T>> {
    const stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as NodeJS.ReadWriteStream
    const channel = new AgentChannel<T>()
    const stdout = new PassThrough()
    const stderr = new PassThrough()
    stdout.on('data', (chunk: Buffer) => channel.feed(chunk.toString('utf8')))
    stderr.on('data', (chunk: Buffer) => channel.transcript.push(`stderr: ${chunk.toString('utf8').trimEnd()}`))
    this.docker.modem.demuxStream(stream, stdout, stderr)
    stream.on('end', () => channel.end())
    stream.on('error', () => channel.end())
    await container.start()
    let running = true
    const exited = container
      .wait()
      .then((r: { StatusCode: number }) => r.StatusCode)
      .catch(() => null)
      .finally(() => {
        running = false
      })
    return {
      channel,
      exited,
      isRunning: () => running,
      write: (text) => void stream.write(text),
    }
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

  /** A `socklab relay` container in front of the server, reachable as `alias`; registered in `relays`. */
  async #startRelay(
    alias: string,
    id: string,
    labels: Record<string, string>,
    networkName: string,
    containers: Array<{ name: string; container: Dockerode.Container }>,
    relays: Map<string | ClientAgent, Attached<RelayOutput>>,
  ): Promise<string> {
    const container = await this.docker.createContainer({
      ...attachable(labels, networkName),
      Image: this.image,
      name: `socklab-${id}-${alias}`,
      Cmd: ['relay', '--to', 'server:12345', '--port', '12345'],
      NetworkingConfig: { EndpointsConfig: { [networkName]: { Aliases: [alias] } } },
    })
    containers.push({ name: alias, container })
    const relay = await this.#attach<RelayOutput>(container)
    const ready = await relay.channel.next(AbortSignal.timeout(RELAY_TIMEOUT_MS))
    if (ready.type !== 'listening') throw new Error(`the relay did not start: ${JSON.stringify(ready)}`)
    relays.set(alias, relay)
    return alias
  }
}

/** A started container's JSON-lines output, its input, and its end. */
interface Attached<T extends { type: string }> {
  channel: AgentChannel<T>
  exited: Promise<number | null>
  isRunning(): boolean
  write(text: string): void
}

/** What `socklab relay` prints (cli/relay-command.ts). */
type RelayOutput = { type: 'listening' | 'reset' | 'error'; port?: number; connections?: number; message?: string }

/** A container on the scenario's network whose standard streams the runner drives. */
function attachable(labels: Record<string, string>, networkName: string): Dockerode.ContainerCreateOptions {
  return {
    OpenStdin: true,
    StdinOnce: false,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    Labels: labels,
    Healthcheck: { Test: ['NONE'] },
    HostConfig: { NetworkMode: networkName },
  }
}

/** `2026-11-23T23:35:01.123456789Z` as the API's `since`: seconds, then the nanoseconds. */
function dockerTimestamp(rfc3339: string): string {
  const seconds = Math.floor(Date.parse(rfc3339) / 1000)
  const fraction = (/\.(\d+)/.exec(rfc3339)?.[1] ?? '0').padEnd(9, '0').slice(0, 9)
  return `${seconds}.${fraction}`
}
