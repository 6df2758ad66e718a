import { createWriteStream } from 'node:fs'
import { PassThrough } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type Dockerode from 'dockerode'
import { extract } from 'tar-stream'
import { SocklabError } from '../errors/socklab-error.js'
import { tcpdumpArgs, type RunningCapture, stopOnce, untilCapturing } from './packet-capture.js'

/** Where the capture container writes, inside itself (copied out when it stops). */
const IN_CONTAINER = '/tmp/capture.pcap'

export interface ContainerCaptureOptions {
  /** An image with tcpdump on its PATH (made from this machine's: hostProgramImage). */
  image: string
  name: string
  labels: Record<string, string>
  /** The docker network whose bridge is captured. */
  network: Dockerode.Network
  file: string
}

/**
 * A capture of a run's whole lab network: tcpdump in a container of its own on the engine's host network,
 * on the network's bridge, so every client's and the server's packets are seen once, also across a server
 * restart, wherever the engine runs (its host, or Docker Desktop's machine). The container is the run's
 * (labelled as it is) and is removed with it; `stop` ends tcpdump (SIGINT: it writes its file out) and copies
 * the file out of the container.
 */
export async function startContainerCapture(docker: Dockerode, options: ContainerCaptureOptions): Promise<{ capture: RunningCapture; container: Dockerode.Container }> {
  const info = await options.network.inspect()
  const bridge = (info.Options?.['com.docker.network.bridge.name'] as string | undefined) ?? `br-${String(info.Id).slice(0, 12)}`
  const container = await docker.createContainer({
    Image: options.image,
    name: options.name,
    Labels: options.labels,
    User: '0:0',
    Cmd: ['tcpdump', ...tcpdumpArgs(bridge, IN_CONTAINER)],
    HostConfig: { NetworkMode: 'host', CapDrop: ['ALL'], CapAdd: ['NET_RAW', 'NET_ADMIN', 'SETUID', 'SETGID'] },
  })
  const logs = (await container.attach({ stream: true, stdout: true, stderr: true })) as NodeJS.ReadableStream
  const stderr = new PassThrough()
  docker.modem.demuxStream(logs, new PassThrough().resume(), stderr)
  // Waited for its next exit: a container not yet started is "not running", and a plain wait would end at once.
  const exited = container.wait({ condition: 'next-exit' }).then(
    (r: { StatusCode?: number }) => r.StatusCode ?? null,
    () => null,
  )
  const listening = untilCapturing(stderr, exited, ` on ${bridge}`)
  try {
    await container.start()
    await listening
  } catch (error) {
    await container.remove({ force: true }).catch(() => undefined)
    throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', (error as Error).message)
  }
  const capture: RunningCapture = {
    what: `the lab network's bridge ${bridge} (${info.Name})`,
    stop: stopOnce(async () => {
      await container.kill({ signal: 'SIGINT' }).catch(() => undefined)
      await exited
      const archive = (await container.getArchive({ path: IN_CONTAINER })) as unknown as NodeJS.ReadableStream
      const unpack = extract()
      const written = new Promise<void>((resolve, reject) => {
        unpack.on('entry', (_header, stream, next) => {
          pipeline(stream, createWriteStream(options.file)).then(() => next(), reject)
        })
        unpack.on('finish', resolve)
        unpack.on('error', reject)
      })
      await Promise.all([pipeline(archive, unpack), written])
    }),
  }
  return { capture, container }
}
