import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process'
import { join } from 'node:path'
import type Dockerode from 'dockerode'
import { ensureImage } from '../docker/image-build.js'
import { PACKAGE_ROOT } from '../package/package-files.js'
import { DemoOutput } from './demo-output.js'
import { SOCKLAB_SERVER, type ServerSpec } from '../lab/server-spec.js'
import { serverImage } from '../docker/server-image.js'

const PROJECT = 'socklab-demo'

/**
 * The demo on containers: the package's docker-compose.yml brought up with `--scale client=4`, the server's
 * log shown beside the clients' output, and the verdict read from the clients' exit codes. Compose has no
 * programming interface, so this is the one place socklab runs the docker CLI (`docker compose`).
 */
export async function runComposeDemo(docker: Dockerode, image: string, holdMs: number, spec: ServerSpec = SOCKLAB_SERVER): Promise<boolean> {
  await ensureImage(docker, image, (line) => console.log(line))
  const out = new DemoOutput()
  const env: NodeJS.ProcessEnv = { ...process.env, SOCKLAB_IMAGE: image, SOCKLAB_HOLD_MS: String(holdMs) }
  const files = ['-f', join(PACKAGE_ROOT, 'docker-compose.yml')]
  if (spec.kind === 'command') {
    // The original's own compose file puts its image in the server's place (docker-compose.original.yml).
    env.SOCKLAB_ORIGINAL_IMAGE = await serverImage(docker, spec, { offline: 'auto', log: (line) => console.log(line) })
    files.push('-f', join(PACKAGE_ROOT, 'docker-compose.original.yml'))
  }
  const compose = (args: string[], options: SpawnSyncOptions = {}) =>
    spawnSync('docker', ['compose', '--ansi', 'never', '-p', PROJECT, ...files, ...args], {
      cwd: PACKAGE_ROOT,
      encoding: 'utf8',
      env,
      ...options,
    })
  try {
    if (compose(['up', '-d', '--wait', 'server'], { stdio: 'inherit' }).status !== 0) throw new Error('the server did not become healthy')
    const serverLog = spawn('docker', ['compose', '--ansi', 'never', '-p', PROJECT, ...files, 'logs', '-f', '--no-log-prefix', 'server'], {
      cwd: PACKAGE_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    // compose 2.26 writes an erase-line code before each line even with --ansi never.
    serverLog.stdout.on('data', (chunk: Buffer) => {
      // eslint-disable-next-line no-control-regex
      for (const line of chunk.toString('utf8').replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').split('\n')) if (line) out.line(0, 'server', line)
    })
    compose(['up', '--scale', 'client=4', '--no-recreate', 'client'], { stdio: 'inherit' })
    const clients = String(compose(['ps', '-a', '--format', '{{.Name}} {{.ExitCode}}', 'client']).stdout).trim().split('\n')
    const codes = clients.map((line) => Number(line.split(' ')[1]))
    compose(['stop', '-t', '5', 'server'], { stdio: 'ignore' })
    await new Promise((resolve) => serverLog.once('close', resolve))
    console.log('')
    console.log(`client exit codes: ${clients.join(', ')} (0 = served, 3 = server full)`)
    return clients.length === 4 && codes.filter((c) => c === 0).length === 3 && codes.filter((c) => c === 3).length === 1
  } finally {
    compose(['down', '-t', '5', '--remove-orphans'], { stdio: 'ignore' })
  }
}
