#!/usr/bin/env node
// The container demo behind `npm run demo`: `docker compose up --scale client=4`, watched to the end.
// Builds the image if it is missing (npm run images), starts the server, streams its log beside the four
// clients' output, checks that exactly one client was rejected, and takes everything down again.
import { spawn, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const project = 'socklab-demo'
const compose = (args, options = {}) =>
  spawnSync('docker', ['compose', '--ansi', 'never', '-p', project, ...args], { cwd: root, encoding: 'utf8', ...options })

const image = process.env.SOCKLAB_IMAGE ?? 'socklab:latest'
if (spawnSync('docker', ['image', 'inspect', image], { stdio: 'ignore' }).status !== 0) {
  console.log(`${image} is not built yet: npm run images`)
  const built = spawnSync('npm', ['run', '--silent', 'images'], { cwd: root, stdio: 'inherit' })
  if (built.status !== 0) process.exit(built.status ?? 1)
}

let ok = false
try {
  const up = compose(['up', '-d', '--wait', 'server'], { stdio: 'inherit' })
  if (up.status !== 0) throw new Error('the server did not become healthy')
  const serverLog = spawn('docker', ['compose', '--ansi', 'never', '-p', project, 'logs', '-f', '--no-log-prefix', 'server'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  serverLog.stdout.on('data', (chunk) => {
    // compose 2.26 writes an erase-line code before each line even with --ansi never.
    const text = chunk.toString('utf8').replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')
    for (const line of text.split('\n')) if (line) console.log(`server    | ${line}`)
  })
  compose(['up', '--scale', 'client=4', '--no-recreate', 'client'], { stdio: 'inherit' })
  const clients = compose(['ps', '-a', '--format', '{{.Name}} {{.ExitCode}}', 'client']).stdout.trim().split('\n')
  const codes = clients.map((line) => Number(line.split(' ')[1]))
  const rejected = codes.filter((code) => code === 3).length
  const served = codes.filter((code) => code === 0).length
  compose(['stop', '-t', '5', 'server'], { stdio: 'ignore' })
  await new Promise((resolve) => serverLog.once('close', resolve))
  console.log('')
  console.log(`client exit codes: ${clients.join(', ')} (0 = served, 3 = server full)`)
  ok = clients.length === 4 && served === 3 && rejected === 1
  console.log(ok ? 'Demo finished: three clients served, the fourth rejected.' : 'Demo did not go as expected.')
} finally {
  compose(['down', '-t', '5', '--remove-orphans'], { stdio: 'ignore' })
}
process.exit(ok ? 0 : 1)
