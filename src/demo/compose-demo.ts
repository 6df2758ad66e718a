import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process'
import { join } from 'node:path'
import type Dockerode from 'dockerode'
import { ensureImage } from '../docker/image-build.js'
import { PACKAGE_ROOT } from '../package/package-files.js'
import { DemoOutput } from './demo-output.js'

const PROJECT = 'socklab-demo'

/**
 * The demo on containers: the package's docker-compose.yml brought up with `--scale client=4`, the server's
 * log shown beside the clients' output, and the verdict read from the clients' exit codes. Compose has no
 * programming interface, so this is the one place socklab runs the docker CLI (`docker compose`).
 */
export async function runComposeDemo(docker: Dockerode, image: string, holdMs: number): Promise<boolean> {
  await ensureImage(docker, image, (line) => console.log(line))
  const out = new DemoOutput()
  const env = { ...process.env, SOCKLAB_IMAGE: image, SOCKLAB_HOLD_MS: String(holdMs) }
  const compose = (args: string[], options: SpawnSyncOptions = {}) =>
    spawnSync('docker', ['compose', '--ansi', 'never', '-p', PROJECT, '-f', join(PACKAGE_ROOT, 'docker-compose.yml'), ...args], {
      cwd: PACKAGE_ROOT,
      encoding: 'utf8',
      env,
      ...options,
    })
  try {
    if (compose(['up', '-d', '--wait', 'server'], { stdio: 'inherit' }).status !== 0) throw new Error('the server did not become healthy')
    const serverLog = spawn('docker', ['compose', '--ansi', 'never', '-p', PROJECT, '-f', join(PACKAGE_ROOT, 'docker-compose.yml'), 'logs', '-f', '--no-log-prefix', 'server'], {
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
