import { existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { copyFile, cp, mkdir, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { dockerContextFiles } from '../../src/docker/docker-context.js'
import { EXIT, EventStream, PACKAGE_ROOT, VERSION } from '../../src/index.js'
import { runProcess, spawnProcess } from '../helpers/processes.js'

/**
 * What a user gets from `npm install -g socklab`: the packed tarball installed into a fresh prefix, and the
 * installed `socklab` used from an empty folder, with nothing of the checkout in reach.
 */
let scratch: string
let socklab: string
let tarball: string
let empty: string

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'packed-install-'))
  const packed = spawnSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', scratch], { cwd: PACKAGE_ROOT, encoding: 'utf8', timeout: 120_000 })
  expect(packed.status, packed.stderr).toBe(0)
  tarball = join(scratch, packed.stdout.trim().split('\n').pop()!)
  console.log(`[measure] ${tarball.split('/').pop()}: ${(await stat(tarball)).size} bytes`)
  const prefix = join(scratch, 'prefix')
  const installed = spawnSync('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], {
    encoding: 'utf8',
    timeout: 240_000,
  })
  expect(installed.status, installed.stderr).toBe(0)
  socklab = join(prefix, 'bin', 'socklab')
  empty = join(scratch, 'empty')
  await mkdir(empty)
}, 300_000)

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true })
})

const run = (args: string[], input = '') => runProcess(socklab, args, input, { NO_COLOR: '1' }, empty)

describe('socklab installed from its packed tarball, used from an empty folder', () => {
  it('says its version', async () => {
    const version = await run(['--version'])
    expect(version.code).toBe(0)
    expect(version.stdout.trim()).toBe(VERSION)
  })

  it('lists the scenarios it ships, and says where they come from', async () => {
    const list = await run(['scenario', 'list'])
    expect(list.code).toBe(0)
    expect(list.stderr).toMatch(/No \.\/scenarios here: using the scenarios that ship with socklab \(.*prefix.*socklab\/scenarios\)/)
    expect(list.stdout).toMatch(/^echo\s/m)
    expect(list.stdout).toMatch(/^four-client-overflow\s/m)
  })

  it('ships the JSON Schema of scenario files, the same one it prints', async () => {
    const printed = await run(['scenario', 'schema'])
    expect(printed.code).toBe(0)
    const shipped = await readFile(join(scratch, 'prefix', 'lib', 'node_modules', 'socklab', 'schema', 'scenario.schema.json'), 'utf8')
    expect(JSON.parse(shipped)).toEqual(JSON.parse(printed.stdout))
    expect(JSON.parse(shipped).title).toBe('socklab scenario')
  })

  it('runs a shipped scenario on the local target', async () => {
    const echo = await run(['scenario', 'run', 'echo', '--target', 'local'])
    expect(echo.code, echo.stdout + echo.stderr).toBe(0)
    expect(echo.stdout).toContain('1 passed, 0 failed')
  })

  it('copies its Redis example out of the package and runs one of its scenarios against redis-server', async () => {
    const copy = join(scratch, 'redis-example')
    const copied = await run(['examples', 'redis', '--to', copy])
    expect(copied.code, copied.stdout + copied.stderr).toBe(0)
    const ping = await run(['scenario', 'run', join(copy, 'scenarios', 'ping.yaml'), '--target', 'local'])
    expect(ping.code, ping.stdout + ping.stderr).toBe(0)
    expect(ping.stdout).toContain('ping @ redis passed')
  })

  it("copies its chaos example and finds the leaky server's violation from the README's seed, in the copied folder", async () => {
    const copy = join(scratch, 'chaos-example')
    const copied = await run(['examples', 'chaos', '--to', copy])
    expect(copied.code, copied.stdout + copied.stderr).toBe(0)
    const found = await runProcess(socklab, ['chaos', '--seed', '1', '--duration', '10s', '--server', 'leaky-reset', '--shrink-runs', '0'], '', { NO_COLOR: '1' }, copy)
    expect(found.code, found.stdout + found.stderr).toBe(EXIT.SCENARIO_FAILED)
    // The leaked slot: a client reset long ago, still listed.
    expect(found.stdout).toContain('VIOLATION of "status lists exactly the clients the model holds as connected, in the order they came"')
    expect(JSON.parse(await readFile(join(copy, 'chaos-report', 'report.json'), 'utf8'))).toMatchObject({ seed: 1, verdict: 'violation' })
  }, 60_000)

  it('runs a shipped scenario against the original Python server it ships (--server original)', async () => {
    const original = await run(['scenario', 'run', 'four-client-overflow', '--server', 'original', '--target', 'local'])
    expect(original.code, original.stdout + original.stderr).toBe(0)
    expect(original.stdout).toContain('four-client-overflow @ original')
    expect(original.stdout).toContain('1 passed, 0 failed')
  })

  it("ships the original's image context and the compose file that puts it in socklab's place", async () => {
    const installed = join(scratch, 'prefix', 'lib', 'node_modules', 'socklab')
    // Compose's own tags (!override, !reset) mean nothing to a YAML parser: only the build context is read here.
    const override = parse(await readFile(join(installed, 'docker-compose.original.yml'), 'utf8'), { logLevel: 'error' }) as { services: { server: { build: string | { context: string } } } }
    const build = override.services.server.build
    const context = join(installed, typeof build === 'string' ? build : build.context)
    const files = await dockerContextFiles(context)
    expect(files).toEqual(expect.arrayContaining(['Dockerfile', 'server.py']))
    // Every file the Dockerfile copies is in the context the engine is sent.
    const copied = [...(await readFile(join(context, 'Dockerfile'), 'utf8')).matchAll(/^COPY\s+(\S+)\s/gm)].map((m) => m[1])
    expect(copied.length).toBeGreaterThan(0)
    for (const source of copied) expect(files).toContain(source)
    const spec = await readFile(join(installed, 'lab', 'servers', 'original.yaml'), 'utf8')
    expect(spec).toMatch(/build: \.\.\/original/)
  })

  it('brings up a lab whose dashboard is served from the package, and takes it down', async () => {
    const labs = join(scratch, 'labs')
    const lab = (...args: string[]) => runProcess(socklab, ['lab', ...args], '', { NO_COLOR: '1', SOCKLAB_LAB_DIR: labs }, empty)
    const up = await lab('up', '--target', 'local', '--clients', '1', '--dashboard')
    expect(up.code, up.stdout + up.stderr).toBe(0)
    const url = /^Dashboard: (\S+)$/m.exec(up.stdout)![1]!
    try {
      const page = await fetch(url)
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('<script src="/dashboard.js" defer></script>')
      for (const asset of ['dashboard.js', 'dashboard.css']) expect((await fetch(new URL(asset, url))).status).toBe(200)
      expect((await lab('exec', 'c1', 'connect')).stdout).toMatch(/^c1 connected as Client01/)
    } finally {
      expect((await lab('down')).stdout.trim()).toBe('the lab is down')
    }
  })

  it('ships the grading example, whose setup.sh installs socklab from the tarball beside it without the registry, and grades', async () => {
    // The teacher's autograder folder: the example as the package ships it, and the tarball next to setup.sh.
    const autograder = join(scratch, 'autograder-source')
    await cp(join(scratch, 'prefix', 'lib', 'node_modules', 'socklab', 'examples', 'grading'), autograder, { recursive: true })
    await copyFile(tarball, join(autograder, basename(tarball)))
    // Its samples and its Classroom workflow (a dot folder) come with it.
    for (const name of ['correct', 'original', 'no-reject', 'text-files', 'hostile']) expect(existsSync(join(autograder, 'submissions', name, 'server.py'))).toBe(true)
    expect(existsSync(join(autograder, 'github-classroom', '.github', 'workflows', 'classroom.yml'))).toBe(true)
    const prefix = join(scratch, 'grading-prefix')
    // No registry: npm is pointed at an address that refuses, and the PATH has no socklab but the one installed.
    const offline = { npm_config_registry: 'http://127.0.0.1:9/', npm_config_offline: 'true', SOCKLAB_PREFIX: prefix, PATH: `${join(prefix, 'bin')}:${dirname(process.execPath)}:/usr/bin:/bin` }
    const setup = await runProcess('bash', [join(autograder, 'setup.sh')], '', offline, empty)
    expect(setup.code, setup.stdout + setup.stderr).toBe(0)
    expect(setup.stdout).toContain(`socklab ${VERSION} installed from ${basename(tarball)}`)
    // Nothing of the package's node_modules is needed: the install has none.
    expect(await readdir(join(prefix, 'lib', 'socklab'))).not.toContain('node_modules')

    const root = join(scratch, 'gradescope')
    await mkdir(join(root, 'submission'), { recursive: true })
    await copyFile(join(scratch, 'prefix', 'lib', 'node_modules', 'socklab', 'lab', 'original', 'server.py'), join(root, 'submission', 'server.py'))
    const graded = await runProcess('bash', [join(autograder, 'run_autograder')], '', { ...offline, AUTOGRADER_ROOT: root }, empty)
    expect(graded.code, graded.stdout + graded.stderr).toBe(0)
    const results = JSON.parse(await readFile(join(root, 'results', 'results.json'), 'utf8')) as { score: number; tests: Array<{ max_score: number }> }
    expect(results.score).toBe(results.tests.reduce((sum, t) => sum + t.max_score, 0))
    expect(results.score).toBeGreaterThan(0)
  })

  it('runs a server (serving the shipped files) and a client against it', async () => {
    const server = spawnProcess(socklab, ['server', '--host', '127.0.0.1', '--port', '0', '--log-format', 'json'], { cwd: empty })
    try {
      const log = new EventStream()
      server.child.stdout.on('data', (chunk: Buffer) => log.feed(chunk.toString('utf8')))
      const { port, files } = await log.waitFor('listening')
      expect(files).toMatch(/socklab\/server_files$/)
      const client = await run(['client', '--port', String(port), '-c', 'hello', '-c', 'list', '-c', 'get hello.txt'])
      expect(client.code).toBe(0)
      expect(client.stdout).toContain('Server: hello ACK')
      expect(client.stdout).toContain('Server: hello.txt\nsocklab.png')
      expect(await readdir(empty)).toEqual(['hello.txt'])
    } finally {
      await server[Symbol.asyncDispose]()
    }
  })
})
