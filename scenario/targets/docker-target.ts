import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import type Dockerode from 'dockerode'
import { SocklabError } from '../../errors/socklab-error.js'
import { EventStream } from '../../events/event-stream.js'
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
      const network = this.docker.getNetwork(networkName)
      return {
        serverLabel: `server (${networkName})`,
        events,
        files,
        startClient: async (client, index) => {
          const name = `${client.name}-${index}`
          const container = await this.docker.createContainer({
            Image: this.image,
            name: `socklab-${id}-${name}`,
            Cmd: ['client', '--json', '--no-progress', '--host', 'server', ...clientArgs(client), '--download-dir', '/tmp'],
            OpenStdin: true,
            StdinOnce: false,
            AttachStdin: true,
            AttachStdout: true,
            AttachStderr: true,
            Tty: false,
            Labels: labels,
            Healthcheck: { Test: ['NONE'] },
            HostConfig: { NetworkMode: networkName },
          })
          containers.push({ name: `client-${name}`, container })
          const agent = await this.#attach(container)
          agentContainers.set(agent, container)
          return agent
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

  async #attach(container: Dockerode.Container): Promise<ClientAgent> {
    const stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as NodeJS.ReadWriteStream
    const channel = new AgentChannel()
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
      get running() {
        return running
      },
      write: (input) => void stream.write(`${JSON.stringify(input)}\n`),
      async kill() {
        await container.kill({ signal: 'SIGKILL' }).catch(() => undefined)
        await exited
      },
    }
  }
}

/** `2026-11-23T23:35:01.123456789Z` as the API's `since`: seconds, then the nanoseconds. */
function dockerTimestamp(rfc3339: string): string {
  const seconds = Math.floor(Date.parse(rfc3339) / 1000)
  const fraction = (/\.(\d+)/.exec(rfc3339)?.[1] ?? '0').padEnd(9, '0').slice(0, 9)
  return `${seconds}.${fraction}`
}
