#!/usr/bin/env node
// `npm run demo`: one server and four clients; three are admitted, the fourth is told "Server is full".
// On containers when a Docker engine answers (scripts/demo-containers.mjs), else (or with --local) as local processes.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const bin = join(root, 'bin', 'socklab.js')
const colours = ['\x1b[36m', '\x1b[32m', '\x1b[33m', '\x1b[35m', '\x1b[31m']
const useColour = process.stdout.isTTY
const paint = (i, text) => (useColour ? `${colours[i % colours.length]}${text}\x1b[0m` : text)

function dockerAnswers() {
  if (process.argv.includes('--local')) return false
  const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'ignore', timeout: 10_000 })
  const compose = spawnSync('docker', ['compose', 'version'], { stdio: 'ignore', timeout: 10_000 })
  return info.status === 0 && compose.status === 0
}

if (dockerAnswers()) {
  console.log('A Docker engine answers: running the demo on containers (docker compose up --scale client=4).')
  const run = spawnSync('node', [join(root, 'scripts', 'demo-containers.mjs')], { stdio: 'inherit' })
  process.exit(run.status ?? 1)
}

console.log('No Docker engine answers: running the demo as local processes (a server and four clients on loopback).')
console.log('')

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })
}

/** Starts a socklab process whose output lines are shown with a coloured label. */
function start(label, colour, args) {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  const waiters = []
  let seen = ''
  const show = (stream) => {
    let partial = ''
    stream.on('data', (chunk) => {
      const lines = (partial + chunk.toString('utf8')).split('\n')
      partial = lines.pop()
      for (const line of lines) {
        console.log(`${paint(colour, label.padEnd(9))}| ${line}`)
        seen += `${line}\n`
      }
      for (const waiter of [...waiters]) waiter()
    })
  }
  show(child.stdout)
  show(child.stderr)
  const exited = new Promise((resolve) => child.once('close', (code) => resolve(code)))
  const count = (text) => seen.split(text).length - 1
  const waitFor = (text, times = 1) =>
    new Promise((resolve, reject) => {
      const check = () => {
        if (count(text) >= times) {
          waiters.splice(waiters.indexOf(check), 1)
          resolve()
        }
      }
      waiters.push(check)
      check()
      exited.then(() => (count(text) >= times ? resolve() : reject(new Error(`${label} exited before printing "${text}"`))))
    })
  return { child, exited, waitFor }
}

const port = await freePort()
const downloads = await mkdtemp(join(tmpdir(), 'socklab-demo-'))
const server = start('server', 0, ['server', '--host', '127.0.0.1', '--port', String(port), '--log-format', 'plain'])
let ok = false
try {
  await server.waitFor('Server listening')
  const session = (n) => [
    'client', '--port', String(port), '--download-dir', join(downloads, `client${n}`),
    '-c', `hello from client ${n}`, '-c', 'status', '-c', 'list', '-c', 'get socklab.png', '--hold-ms', '2000',
  ]
  const { mkdir } = await import('node:fs/promises')
  for (let n = 1; n <= 4; n += 1) await mkdir(join(downloads, `client${n}`))
  const admitted = [1, 2, 3].map((n) => start(`client${n}`, n, session(n)))
  // The fourth starts only once three are in, so exactly one is rejected, every time.
  await server.waitFor('connected from', 3)
  const fourth = start('client4', 4, session(4))
  const fourthCode = await fourth.exited
  const codes = await Promise.all(admitted.map((c) => c.exited))
  server.child.kill('SIGTERM')
  await server.exited
  console.log('')
  console.log(`clients 1-3 exit codes: ${codes.join(', ')} (0 = done); client4 exit code: ${fourthCode} (3 = server full)`)
  ok = codes.every((code) => code === 0) && fourthCode === 3
  console.log(ok ? 'Demo finished: three clients served, the fourth rejected.' : 'Demo did not go as expected.')
} finally {
  if (server.child.exitCode === null) server.child.kill('SIGKILL')
  await rm(downloads, { recursive: true, force: true })
}
process.exit(ok ? 0 : 1)
