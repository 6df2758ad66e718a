import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmod } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { BenchOptions } from './figure.js'

export interface DockerLab extends AsyncDisposable {
  network: string
  label: string
  /**
   * raw-receiver.mjs in its own container, fetching from the raw-pipe container; ms per repetition. With
   * `save`, it does the socklab client's work too: SHA-256 of every byte and a copy on a tmpfs.
   */
  rawReceive(name: string, size: number, reps: number, options?: { save?: boolean }): number[]
}

const docker = (...args: string[]) => {
  const run = spawnSync('docker', args, { encoding: 'utf8' })
  if (run.status !== 0) throw new Error(`docker ${args.join(' ')}: ${run.stderr.trim()}`)
  return run.stdout.trim()
}

/**
 * Two hosts' worth of servers on a fresh bridge network: a socklab server (alias `server`) and the raw Node
 * pipe (alias `rawserver`), both serving `folder`. Everything is labelled and removed on dispose.
 */
export async function dockerLab(options: BenchOptions, folder: string): Promise<DockerLab> {
  const id = randomBytes(3).toString('hex')
  const network = `socklab-bench-${id}`
  const label = `dev.socklab.bench=${id}`
  const rawScripts = join(options.root, 'bench/raw')
  // The containers run as uid 1000: the bind-mounted folders must be readable to it.
  for (let dir = folder; dir !== '/' && dir.startsWith(options.scratch); dir = dirname(dir)) await chmod(dir, 0o755)
  docker('network', 'create', '--label', label, network)
  const dispose = async () => {
    const ids = spawnSync('docker', ['ps', '-aq', '--filter', `label=${label}`], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean)
    if (ids.length) spawnSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' })
    spawnSync('docker', ['network', 'rm', network], { stdio: 'ignore' })
  }
  try {
    docker('run', '-d', '--name', `${network}-server`, '--network', network, '--network-alias', 'server', '--label', label,
      '-e', 'SOCKLAB_LOG_FORMAT=json', '-v', `${folder}:/srv/server_files:ro`, options.image, 'server')
    docker('run', '-d', '--name', `${network}-raw`, '--network', network, '--network-alias', 'rawserver', '--label', label,
      '-v', `${folder}:/files:ro`, '-v', `${rawScripts}:/bench:ro`, '--entrypoint', 'node', options.image,
      '/bench/raw-file-server.mjs', '/files', '9000', '0.0.0.0')
    await waitUntil(() => docker('inspect', '--format', '{{.State.Health.Status}}', `${network}-server`) === 'healthy', 'the socklab server to be healthy')
    await waitUntil(() => docker('logs', `${network}-raw`).includes('listening'), 'the raw server to listen')
  } catch (error) {
    await dispose()
    throw error
  }
  return {
    network,
    label,
    rawReceive(name, size, reps, { save = false } = {}) {
      const tmpfs = save ? ['--tmpfs', '/dl:rw,size=1100m,mode=1777'] : []
      const out = docker('run', '--rm', '--network', network, '--label', label, ...tmpfs, '-v', `${rawScripts}:/bench:ro`, '--entrypoint', 'node',
        options.image, '/bench/raw-receiver.mjs', 'rawserver', '9000', name, String(size), String(reps), 'raw', ...(save ? ['save=/dl'] : []))
      return (JSON.parse(out) as { ms: number[] }).ms
    },
    [Symbol.asyncDispose]: dispose,
  }
}

/** Polls a condition (container start-up: there is no event to wait on from here), up to 30 s. */
async function waitUntil(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 150; i += 1) {
    if (condition()) return
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`timed out waiting for ${what}`)
}
