import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { setTimeout as delay } from 'node:timers/promises'
import type Dockerode from 'dockerode'
import { ensureImage } from '../docker/image-build.js'
import { PACKAGE_ROOT } from '../package/package-files.js'
import { DemoOutput } from './demo-output.js'
import { demoEvent, demoVerdict, type DemoEvent, type DemoVerdict } from './demo-verdict.js'
import type { DemoOptions } from './local-demo.js'
import { SOCKLAB_SERVER } from '../lab/server-spec.js'
import { serverImage } from '../docker/server-image.js'
import { SocklabError } from '../errors/socklab-error.js'

const PROJECT = 'socklab-demo'
const CLIENTS = 4

/**
 * The demo on containers: the package's docker-compose.yml brought up with `--scale client=4` (one client
 * at a time, `staggerMs` apart, when asked), the server's log streamed beside the clients' output as it
 * happens, and the verdict read from the clients' exit codes and the server's log. Compose has no
 * programming interface, so this is the one place socklab runs the docker CLI (`docker compose`).
 */
export async function runComposeDemo(docker: Dockerode, image: string, options: DemoOptions): Promise<DemoVerdict> {
  const spec = options.server ?? SOCKLAB_SERVER
  await ensureImage(docker, image, (line) => console.log(line))
  const out = new DemoOutput()
  // JSON from socklab's server: its `msg` is shown, its events give the verdict its cause.
  const env: NodeJS.ProcessEnv = { ...process.env, SOCKLAB_IMAGE: image, SOCKLAB_HOLD_MS: String(options.holdMs), SOCKLAB_LOG_FORMAT: 'json' }
  const files = ['-f', join(PACKAGE_ROOT, 'docker-compose.yml')]
  if (spec.kind === 'command') {
    // The original's own compose file puts its image in the server's place (docker-compose.original.yml).
    env.SOCKLAB_ORIGINAL_IMAGE = await serverImage(docker, spec, { offline: 'auto', log: (line) => console.log(line) })
    files.push('-f', join(PACKAGE_ROOT, 'docker-compose.original.yml'))
  }
  const signal = options.signal ?? new AbortController().signal
  /** Resolves as `promise` does, or rejects at an interrupt (the `finally` below then takes everything down). */
  const unlessAborted = <T>(promise: Promise<T>) =>
    Promise.race([promise, new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }))])
  const compose = (args: string[], quiet = false) =>
    new Promise<number | null>((resolve) => {
      const child = spawn('docker', ['compose', '--ansi', 'never', '-p', PROJECT, ...files, ...args], {
        cwd: PACKAGE_ROOT,
        env,
        stdio: ['ignore', quiet ? 'ignore' : 'inherit', quiet ? 'ignore' : 'inherit'],
      })
      child.once('error', () => resolve(null))
      child.once('close', resolve)
    })
  const containers = async (service: string) =>
    docker.listContainers({ all: true, filters: { label: [`com.docker.compose.project=${PROJECT}`, `com.docker.compose.service=${service}`] } })
  const events: DemoEvent[] = []
  const record = (value: unknown) => {
    const event = demoEvent(value)
    if (event) events.push(event)
  }
  const following: Array<Promise<void>> = []
  // The original's console lines become events through its spec's log adapter.
  const adapter = spec.kind === 'command' ? spec.adapter : undefined
  const follow = async (id: string, index: number, label: string) => {
    const stream = (await docker.getContainer(id).logs({ follow: true, stdout: true, stderr: true })) as unknown as NodeJS.ReadableStream
    const text = new PassThrough()
    docker.modem.demuxStream(stream, text, text)
    stream.once('end', () => text.end())
    following.push(out.follow(index, label, text, ({ line, value }) => {
      if (value === undefined && adapter) for (const adapted of adapter.events(line)) record(adapted.value)
      else record(value)
    }))
  }
  try {
    if ((await unlessAborted(compose(['up', '-d', '--wait', 'server']))) !== 0) throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', 'the demo server did not become healthy')
    const [server] = await containers('server')
    await follow(server!.Id, 0, 'server')
    const followed = new Set<string>()
    for (let scale = options.staggerMs > 0 ? 1 : CLIENTS; scale <= CLIENTS; scale += 1) {
      if (scale > 1 && options.staggerMs > 0) await delay(options.staggerMs, undefined, { signal })
      if ((await unlessAborted(compose(['up', '-d', '--no-recreate', '--scale', `client=${scale}`, 'client'], true))) !== 0) {
        throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', `docker compose could not start client ${scale}`)
      }
      for (const c of await containers('client')) {
        if (followed.has(c.Id)) continue
        followed.add(c.Id)
        const n = Number(c.Labels['com.docker.compose.container-number'] ?? followed.size)
        await follow(c.Id, n, `client${n}`)
      }
    }
    const ended = await unlessAborted(Promise.all([...followed].map(async (id) => {
      const { StatusCode } = (await docker.getContainer(id).wait()) as { StatusCode: number }
      const { Labels } = (await docker.getContainer(id).inspect()).Config
      return { label: `client${Labels['com.docker.compose.container-number']}`, code: StatusCode }
    })))
    const clients = ended.sort((a, b) => a.label.localeCompare(b.label))
    await compose(['stop', '-t', '5', 'server'], true)
    await Promise.all(following)
    console.log('')
    console.log(`client exit codes: ${clients.map((c) => `${c.label} ${c.code}`).join(', ')} (0 = served, 3 = server full)`)
    return demoVerdict(clients, events)
  } finally {
    await compose(['down', '-t', '5', '--volumes', '--remove-orphans'], true)
  }
}
