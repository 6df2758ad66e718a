import type { Readable } from 'node:stream'
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers'
import { demultiplexLog, EventStream } from '../../../src/index.js'
import { TEST_LABEL, docker } from './docker-engine.js'

export interface ServerContainer extends AsyncDisposable {
  container: StartedTestContainer
  /** The server's JSON log events, streamed as they are written. */
  log: EventStream
}

/** A socklab server container on `network` under the alias `server`, started once it reports healthy. */
export async function startServerContainer(
  image: string,
  network: string,
  options: { env?: Record<string, string>; files?: Array<{ content: Buffer; name: string }> } = {},
): Promise<ServerContainer> {
  const container = await new GenericContainer(image)
    .withNetworkMode(network)
    .withNetworkAliases('server')
    .withLabels({ [TEST_LABEL]: 'server' })
    .withEnvironment({ SOCKLAB_LOG_FORMAT: 'json', ...options.env })
    .withCopyContentToContainer((options.files ?? []).map((f) => ({ content: f.content, target: `/srv/server_files/${f.name}`, mode: 0o644 })))
    .withWaitStrategy(Wait.forHealthCheck())
    .withStartupTimeout(60_000)
    .start()
  // Started with aliases, testcontainers also leaves it on the default bridge (#808): the lab network only.
  await docker.getNetwork('bridge').disconnect({ Container: container.getId(), Force: true }).catch(() => undefined)
  const log = new EventStream()
  const stream: Readable = await container.logs()
  stream.on('data', (chunk: Buffer | string) => log.feed(chunk.toString()))
  return {
    container,
    log,
    async [Symbol.asyncDispose]() {
      stream.destroy()
      await container.stop({ timeout: 5_000 })
    },
  }
}

export interface ClientRun {
  exitCode: number
  stdout: string
  stderr: string
}

/**
 * Runs `socklab client <args>` in its own container on `network` to its end and returns what it printed.
 * Created through dockerode: the client is a one-shot program whose non-zero exits (server full) are
 * results to check, which testcontainers' start-up strategies would treat as failures.
 */
export async function runClientContainer(
  image: string,
  args: string[],
  options: { network?: string; extraHosts?: string[] } = {},
): Promise<ClientRun> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: ['client', ...args],
    Labels: { [TEST_LABEL]: 'client' },
    Healthcheck: { Test: ['NONE'] },
    HostConfig: { NetworkMode: options.network ?? 'bridge', ExtraHosts: options.extraHosts },
  })
  try {
    await container.start()
    const { StatusCode } = (await container.wait()) as { StatusCode: number }
    return { exitCode: StatusCode, ...(await containerOutput(container.id)) }
  } finally {
    await container.remove({ force: true })
  }
}

/** Everything a container has printed so far, by stream. */
export async function containerOutput(id: string): Promise<{ stdout: string; stderr: string }> {
  const { stdout, stderr } = demultiplexLog(await docker.getContainer(id).logs({ stdout: true, stderr: true, follow: false }))
  return { stdout, stderr }
}
