import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DockerTarget, EventStream, LocalTarget, loadServerSpec, loadTopology, runScenario, runSuite, serverImage, type ScenarioResult, type ServerSpec } from '../../src/index.js'
import { SOCKLAB_BIN } from '../helpers/processes.js'
import { ORIGINAL_VERDICTS, whyNot } from '../helpers/original-verdicts.js'
import { originalAsWritten } from '../helpers/as-written.js'
import { fixtureScenario, SHIPPED_FILES, shippedScenarios } from '../helpers/scenarios.js'
import { composeProject } from './helpers/compose-project.js'
import { docker } from './helpers/docker-engine.js'
import { containerOutput } from './helpers/socklab-containers.js'

/**
 * Servers that are not socklab's on the docker target: the original Python server in its image (built here
 * from lab/original's Dockerfile, exactly its context, on the Python base made from this machine's Python,
 * as a machine without a registry does), a server run from its spec's folder on the Python base, and the
 * compose demo with the original in socklab's place.
 */
const TINY = fileURLToPath(new URL('../fixtures/servers/tiny.yaml', import.meta.url))
const originalImage = `socklab-test/original:${randomBytes(4).toString('hex')}`
const scenarios = await shippedScenarios()
const shipped = (name: string) => scenarios.find((s) => s.name === name)!
let target: DockerTarget
let original: ServerSpec

const events = (result: ScenarioResult) => result.serverLog.map((line) => JSON.parse(line) as { event: string; [k: string]: unknown })
const notPassed = (result: ScenarioResult) => result.steps.filter((s) => s.verdict !== 'passed' && s.verdict !== 'skipped')

beforeAll(async () => {
  target = await DockerTarget.connect(inject('image'))
  const spec = await loadServerSpec('original')
  original = { ...spec, docker: { ...spec.docker!, image: originalImage } }
  await serverImage(docker, original, { offline: 'auto', log: () => undefined, rebuild: true })
})

afterAll(async () => {
  await target?.settle()
  spawnSync('docker', ['image', 'rm', '-f', originalImage], { stdio: 'ignore' })
})

describe('the original Python server on the docker target', () => {
  it('runs the whole shipped suite: what passes, what fails and what is skipped, each with why', { timeout: 300_000 }, async () => {
    const results: ScenarioResult[] = []
    for (const scenario of scenarios) results.push(await runScenario(scenario, target, { shippedFiles: SHIPPED_FILES, server: original }))
    const verdicts = Object.fromEntries(results.map((r) => [r.name, r.verdict]))
    expect(verdicts, whyNot(results)).toEqual(ORIGINAL_VERDICTS)
    const byName = (name: string) => results.find((r) => r.name === name)!
    // Its console lines, read from the container's log, drive the wait for the fourth client's rejection.
    const overflow = byName('four-client-overflow')
    expect(overflow.server).toBe('original')
    const rejected = events(overflow).find((e) => e.event === 'client_rejected')
    expect(rejected?.msg).toMatch(/^Rejected connection from \('(\d+\.){3}\d+', \d+\)\. Server is full\.$/)
    expect(rejected?.address).not.toBe('127.0.0.1')
    expect(byName('path-escape-refused').steps.find((s) => s.verdict === 'failed')).toMatchObject({ label: 'get a: /etc/passwd (expect PATH_REFUSED)' })
    expect(byName('network-partition').skipped).toBe('the original server cannot be given maxClients: 1 (it always has 3)')
    // The restart stops it with SIGTERM under an init process (as PID 1 it would ignore the signal) and starts it again.
    expect(events(byName('server-restart')).filter((e) => e.event === 'listening')).toHaveLength(2)
  })

  it('a reset is seen as its "Error with Client01: …" line in the container\'s log', async () => {
    const result = await runScenario(await fixtureScenario('reset-error-line'), target, { shippedFiles: SHIPPED_FILES, server: original })
    expect(result.steps.map((s) => [s.label, s.verdict])).toEqual([
      ['connect a', 'passed'],
      ['connect b', 'passed'],
      ['disconnect a (reset)', 'passed'],
      ['wait for client_error {client: Client01}', 'passed'],
      ['send b: still here', 'passed'],
    ])
  })
})

describe('a server run from its spec folder on the Python base', () => {
  it('takes maxClients as an argument and is read by its own adapter', async () => {
    const tiny = await loadServerSpec(TINY)
    const overflow = await runScenario(shipped('four-client-overflow'), target, { shippedFiles: SHIPPED_FILES, server: tiny })
    expect(notPassed(overflow), JSON.stringify(overflow.steps, null, 2)).toEqual([])
    expect(overflow.verdict).toBe('passed')
    expect(events(overflow).find((e) => e.event === 'client_rejected')?.msg).toMatch(/^FULL from=(\d+\.){3}\d+:\d+$/)
    const abrupt = await runScenario(shipped('abrupt-disconnect'), target, { shippedFiles: SHIPPED_FILES, server: tiny })
    expect(abrupt.steps.find((s) => s.label === 'connect c as Client03')?.verdict).toBe('passed')
  })
})

describe("a server as written: the original's own file, constants and all, no arguments", () => {
  const asWritten = originalAsWritten

  it("runs the whole shipped suite at 192.168.2.53 in the seed's rooms, clients on 10.0.0.0/24 and 10.49.189.0/24, with the original's verdicts", { timeout: 300_000 }, async () => {
    const folder = await asWritten('192.168.2.53')
    const seedLab = loadTopology('seed-lab')
    try {
      const spec = await loadServerSpec(folder)
      expect(spec.asWritten).toMatchObject({ host: { value: '192.168.2.53', name: 'HOST' }, port: 12345, files: 'server_files' })
      const results: ScenarioResult[] = []
      for (const scenario of scenarios) results.push(await runScenario({ ...scenario, topology: seedLab }, target, { shippedFiles: SHIPPED_FILES, server: spec }))
      expect(Object.fromEntries(results.map((r) => [r.name, r.verdict])), whyNot(results)).toEqual(ORIGINAL_VERDICTS)
      const overflow = results.find((r) => r.name === 'four-client-overflow')!
      // It listened where its source says, and its console shows each client's own address in its room,
      // through the router (no NAT): the first and third in the lab room, the second in the library.
      expect(events(overflow).find((e) => e.event === 'listening')).toMatchObject({ host: '192.168.2.53', port: 12345 })
      const lines = events(overflow).map((e) => String(e.msg))
      const from = (pattern: RegExp) => lines.filter((line) => pattern.test(line))
      expect(from(/^Client0[13] connected from \('10\.0\.0\.\d+', \d+\)$/)).toHaveLength(2)
      expect(from(/^Client02 connected from \('10\.49\.189\.\d+', \d+\)$/)).toHaveLength(1)
      expect(from(/^Rejected connection from \('10\.0\.0\.\d+', \d+\)\. Server is full\.$/)).toHaveLength(1)
      // Its own folder is never written: the container ran a copy.
      expect(await readdir(folder)).toEqual(['server.py'])
    } finally {
      await target.settle()
      await rm(folder, { recursive: true, force: true })
    }
    const left = (await docker.listNetworks()).filter((n) => n.IPAM?.Config?.some((c) => seedLab.networks.some((r) => r.subnet === c.Subnet)))
    expect(left).toEqual([])
  })

  it('runs scenarios at once that need its one address in turns, not into each other', async () => {
    const folder = await asWritten('192.168.2.53')
    try {
      const spec = await loadServerSpec(folder)
      const picked = ['echo', 'list', 'binary-get'].map(shipped)
      const { results } = await runSuite(picked, target, { shippedFiles: SHIPPED_FILES, server: spec, signal: new AbortController().signal, repeat: 1, parallel: 2, bail: false, onRun: () => ({ step: () => undefined, finished: () => undefined }) })
      expect(results.map((r) => [r.name, r.verdict]), whyNot(results)).toEqual([['echo', 'passed'], ['list', 'passed'], ['binary-get', 'passed']])
    } finally {
      await target.settle()
      await rm(folder, { recursive: true, force: true })
    }
    expect((await docker.listNetworks()).filter((n) => n.IPAM?.Config?.some((c) => c.Subnet === '192.168.2.0/24'))).toEqual([])
  })

  it('refuses, in a student\'s words and with the line, a stray space and a loopback bind; the local target says why it cannot run it', async () => {
    const spaced = await asWritten('192.168.2.53 ')
    const loopback = await asWritten('127.0.0.1')
    const fixed = await asWritten('192.168.2.53')
    try {
      await expect(loadServerSpec(spaced)).rejects.toThrow(/server\.py: HOST on line 15 is "192\.168\.2\.53 ", with a space at its end: no machine has that address, so bind fails/)
      await expect(loadServerSpec(loopback)).rejects.toThrow(/HOST on line 15 binds 127\.0\.0\.1: only programs on the same machine can reach it/)
      const local = await runScenario(shipped('echo'), new LocalTarget(SOCKLAB_BIN), { shippedFiles: SHIPPED_FILES, server: await loadServerSpec(fixed) })
      expect(local.verdict).toBe('skipped')
      expect(local.skipped).toMatch(/runs as written \(no arguments; it binds 192\.168\.2\.53:12345 itself\), which only a container of its own can give it: use the docker target/)
    } finally {
      await rm(spaced, { recursive: true, force: true })
      await rm(loopback, { recursive: true, force: true })
      await rm(fixed, { recursive: true, force: true })
    }
  })
})

describe('a server as written that exits at start', () => {
  it('is reported once with what ran, the likely cause and its last lines; the other scenarios are not run', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'as-written-'))
    try {
      await writeFile(join(folder, 'server.py'), "SERVER_HOST = '192.168.2.53'\nSERVER_PORT = 12345\nprint('starting')\nimport no_such_module\n")
      const spec = await loadServerSpec(folder)
      const { results } = await runSuite([shipped('echo'), shipped('list')], target, { shippedFiles: SHIPPED_FILES, server: spec, signal: new AbortController().signal, repeat: 1, parallel: 1, bail: false, onRun: () => ({ step: () => undefined, finished: () => undefined }) })
      expect(results.map((r) => r.verdict)).toEqual(['failed', 'failed'])
      const first = results[0]!.error!
      expect(first).toMatch(/^the \S+ server did not start: it exited \(code 1\)/)
      expect(first).toContain('ran: python3 -u server.py (')
      expect(first).toContain('binding 192.168.2.53 from SERVER_HOST on line 1')
      expect(first).toContain('likely cause: a module it imports is missing')
      expect(first).toContain("ModuleNotFoundError: No module named 'no_such_module'")
      expect(results[1]!.error).toBe('not run: the server did not start (see echo)')
    } finally {
      await target.settle()
      await rm(folder, { recursive: true, force: true })
    }
  })
})

describe('the classic mistakes of a server as written, each against its fixture', () => {
  const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/as-written/${name}`, import.meta.url))
  const connectFails = async (name: string) => {
    const result = await runScenario(shipped('echo'), target, { shippedFiles: SHIPPED_FILES, server: await loadServerSpec(fixture(name)) })
    expect(result.verdict).toBe('failed')
    return result.steps.find((s) => s.label.startsWith('connect a'))!
  }

  it('listens but never answers: said so, with nothing sent; a banner of its own is quoted, first bytes and all', async () => {
    expect((await connectFails('silent')).actual).toMatch(/the server accepted the connection but never answered: no byte came back to the hello in 5000 ms/)
    expect((await connectFails('banner')).actual).toContain('unexpected answer to the hello: "Welcome to the file server! Type a comma" (the first 40 of 44 bytes)')
  })

  it('the port is in use when it binds: said so with the line that names the port, and its last lines', async () => {
    const result = await runScenario(shipped('echo'), target, { shippedFiles: SHIPPED_FILES, server: await loadServerSpec(fixture('port-taken')) })
    expect(result.error).toContain('likely cause: port 12345 (SERVER_PORT on line 5) was already in use when it bound it')
    expect(result.error).toContain('OSError: [Errno 98] Address already in use')
  })
})

describe('the compose demo with the original server: docker-compose.original.yml', () => {
  it('admits three clients, rejects the fourth, shows it in the original\'s console, and is torn down completely', async () => {
    const { project, octet, compose } = composeProject(['docker-compose.yml', 'docker-compose.original.yml'], {
      SOCKLAB_ORIGINAL_IMAGE: originalImage,
    })
    try {
      const up = compose('up', '-d', '--wait', 'server')
      expect(up.status, up.stderr).toBe(0)
      compose('up', '--scale', 'client=4', '--no-recreate', 'client')
      const ps = compose('ps', '-a', '--format', '{{.ExitCode}}', 'client')
      expect(ps.stdout.trim().split('\n').map(Number).sort()).toEqual([0, 0, 0, 3])
      const [server] = await docker.listContainers({
        all: true,
        filters: { label: [`com.docker.compose.project=${project}`, 'com.docker.compose.service=server'] },
      })
      expect(server!.Image).toBe(originalImage)
      const stop = compose('stop', '-t', '5', 'server')
      expect(stop.status, stop.stderr).toBe(0)
      const log = new EventStream()
      const adapter = original.adapter!
      const lines = (await containerOutput(server!.Id)).stdout.split('\n')
      log.add(lines.flatMap((line) => adapter.events(line)))
      expect(log.all('listening')).toHaveLength(1)
      expect(log.all('client_connected')).toHaveLength(3)
      expect(log.all('client_rejected').map((e) => e.address)).toEqual([expect.stringMatching(new RegExp(`^10\\.77\\.${octet}\\.\\d+$`))])
      expect(log.all('client_disconnected', { reason: 'exit' })).toHaveLength(3)
      // Stopped by SIGTERM through its init process, not killed after the grace period.
      expect((await docker.getContainer(server!.Id).inspect()).State.ExitCode).not.toBe(137)
    } finally {
      const down = compose('down', '-t', '5', '--volumes', '--remove-orphans')
      expect(down.status, down.stderr).toBe(0)
    }
    const left = (await docker.listContainers({ all: true })).filter((c) => c.Labels['com.docker.compose.project'] === project)
    expect(left).toEqual([])
  })
})
