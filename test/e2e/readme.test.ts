import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT, VERSION } from '../../src/index.js'
import { ORIGINAL_SERVER, SOCKLAB_BIN, runProcess, spawnProcess } from '../helpers/processes.js'

/**
 * Every command in the README's sh blocks, run as written from a folder of its own with `socklab` on the
 * PATH, or named with the test that takes its path (a packed install, the demo on containers). A command
 * added to the README and not here fails the first test. The one change: scenario runs here use the local
 * target (SOCKLAB_TARGET=local); the container tier runs the shipped suite on the docker target.
 */
const README = fileURLToPath(new URL('../../README.md', import.meta.url))

type Check = { covered: string } | { run: (dir: string) => Promise<void> }
let dir: string
let env: NodeJS.ProcessEnv

const sh = (command: string, input = '') => runProcess('bash', ['-c', command], input, env, dir)
const server = (files: string[], copyOf = ORIGINAL_SERVER) => Promise.all(files.map(async (f) => {
  await mkdir(join(dir, f), { recursive: true })
  await copyFile(copyOf, join(dir, f, 'server.py'))
}))

const COMMANDS: Record<string, Check> = {
  [`npm install --global ./socklab-${VERSION}.tgz`]: { covered: 'test/e2e/packed-install.test.ts' },
  'socklab --version': {
    run: async () => {
      const run = await sh('socklab --version')
      expect(run.stdout.trim()).toBe(VERSION)
    },
  },
  'socklab demo': { covered: 'test/e2e/demo.test.ts' },
  'npm test': { covered: '.ci/run' },
  // The student's path, in order: the server, then its clients.
  'socklab server': {
    run: async () => {
      await using running = spawnProcess('bash', ['-c', 'exec socklab server --log-format plain'], { env, cwd: dir })
      await running.waitForOutput('Server listening on 0.0.0.0:12345')
      const interactive = await sh('socklab client --host 127.0.0.1', 'hello\nexit\n')
      expect(interactive.code, interactive.stderr).toBe(0)
      expect(interactive.stdout).toContain('Server: hello ACK')
      const scripted = await sh("printf 'hello\\nstatus\\nlist\\nget hello.txt\\nexit\\n' | socklab client")
      expect(scripted.code, scripted.stderr).toBe(0)
      expect(scripted.stdout).toMatch(/Server: saved hello\.txt \(\d+ bytes, sha256 [0-9a-f]{64}\)/)
      expect((await stat(join(dir, 'hello.txt'))).size).toBeGreaterThan(0)
    },
  },
  'socklab client --host 127.0.0.1': { covered: 'socklab server, above' },
  "printf 'hello\\nstatus\\nlist\\nget hello.txt\\nexit\\n' | socklab client": { covered: 'socklab server, above' },
  'socklab grade my-server/': {
    run: async () => {
      await server(['my-server'])
      const run = await sh('socklab grade my-server/')
      expect(run.code, run.stdout + run.stderr).toBe(EXIT.OK)
      expect(await readFile(join(dir, 'grades', 'my-server', 'report.html'), 'utf8')).toContain('<html')
    },
  },
  'socklab grade submissions/* --out grades': {
    run: async () => {
      await server(['submissions/ada', 'submissions/bob'])
      const run = await sh('socklab grade submissions/* --out grades')
      expect(run.code, run.stdout + run.stderr).toBe(EXIT.OK)
      const csv = (await readFile(join(dir, 'grades', 'summary.csv'), 'utf8')).trim().split('\n')
      // Every submission graded into grades/ so far: my-server, graded by the command before, too.
      expect(csv.map((line) => line.split(',')[0])).toEqual(expect.arrayContaining(['submission', 'ada', 'bob']))
      expect(await readFile(join(dir, 'grades', 'class.html'), 'utf8')).toContain('<svg class="histogram"')
    },
  },
  'socklab examples grading': {
    run: async () => {
      const copied = await sh('socklab examples grading')
      expect(copied.code, copied.stderr).toBe(0)
      for (const name of ['correct', 'original', 'no-reject', 'text-files', 'hostile']) expect((await stat(join(dir, 'grading', 'submissions', name, 'server.py'))).isFile()).toBe(true)
      expect((await stat(join(dir, 'grading', 'github-classroom', '.github', 'workflows', 'classroom.yml'))).isFile()).toBe(true)
    },
  },
  // Sandboxed only: the hostile sample is not run on this machine's own.
  'socklab grade grading/submissions/* --dir grading/scenarios --out grades': { covered: 'test/containers/grade-sandbox.test.ts (the same submissions and suite, on the docker target)' },
  'socklab scenario run --all --quiet --report junit=reports/scenarios.xml --report html=reports/scenarios.html': {
    run: async () => {
      const run = await sh('socklab scenario run --all --quiet --report junit=reports/scenarios.xml --report html=reports/scenarios.html')
      expect(run.code, run.stdout + run.stderr).toBe(EXIT.OK)
      expect(run.stdout).toMatch(/^\d+ passed, 0 failed/m)
      expect(await readFile(join(dir, 'reports', 'scenarios.xml'), 'utf8')).toContain('failures="0"')
      expect((await stat(join(dir, 'reports', 'scenarios.html'))).size).toBeGreaterThan(0)
    },
  },
  'socklab scenario run --all --target local --server original --quiet': {
    run: async () => {
      const run = await sh('socklab scenario run --all --target local --server original --quiet')
      expect(run.code, run.stdout).toBe(EXIT.SCENARIO_FAILED)
      // What fails is socklab's own extensions, as the README says.
      expect(run.stdout.match(/^✘ \S+/gm)?.sort()).toEqual(['✘ path-escape-refused', '✘ status-history'])
    },
  },
  'socklab scenario run four-client-overflow --repeat 10 --parallel 2': {
    run: async () => {
      const run = await sh('socklab scenario run four-client-overflow --repeat 10 --parallel 2')
      expect(run.code, run.stdout + run.stderr).toBe(EXIT.OK)
      expect(run.stdout).toMatch(/four-client-overflow\s+10\s+0\s+100%/)
    },
  },
  // Chaos: the broken server copied here, and the README's seed finding it, in the copied folder.
  'socklab examples chaos && cd chaos': {
    run: async () => {
      const copied = await sh('socklab examples chaos && cd chaos')
      expect(copied.code, copied.stderr).toBe(0)
      for (const name of ['leaky-reset', 'stale-status']) expect((await stat(join(dir, 'chaos', name, 'server.py'))).isFile()).toBe(true)
    },
  },
  'socklab chaos --seed 1 --duration 10s --server leaky-reset': {
    run: async () => {
      const run = await sh('cd chaos && socklab chaos --seed 1 --duration 10s --server leaky-reset')
      expect(run.code, run.stdout + run.stderr).toBe(EXIT.SCENARIO_FAILED)
      expect(run.stdout).toMatch(/a scenario of 4 steps: .*chaos-report\/chaos-1-shrunk\.yaml$/m)
    },
  },
  // Any TCP service: the examples copied here, run as the README says, in its order.
  'socklab examples': {
    run: async () => {
      const run = await sh('socklab examples')
      expect(run.code, run.stderr).toBe(0)
      expect(run.stdout).toMatch(/^redis +Testing Redis with socklab$/m)
      expect(run.stdout).toMatch(/^chat +Grading a chat room with socklab$/m)
    },
  },
  'socklab examples redis': {
    run: async () => {
      const copied = await sh('socklab examples redis')
      expect(copied.code, copied.stderr).toBe(0)
      const run = await sh('socklab scenario run --dir redis/scenarios --all')
      expect(run.code, run.stdout + run.stderr).toBe(EXIT.OK)
      expect(run.stdout).toContain('5 passed, 0 failed')
    },
  },
  'socklab scenario run --dir redis/scenarios --all': { covered: 'socklab examples redis, above' },
  'socklab examples chat': {
    run: async () => {
      const copied = await sh('socklab examples chat')
      expect(copied.code, copied.stderr).toBe(0)
      const run = await sh('socklab grade chat/good chat/broken --dir chat/scenarios')
      expect(run.code, run.stdout + run.stderr).toBe(EXIT.OK)
      expect(run.stdout).toMatch(/^good: 9 of 9 points/m)
      expect(run.stdout).toMatch(/^broken: 4 of 9 points/m)
    },
  },
  'socklab grade chat/good chat/broken --dir chat/scenarios': { covered: 'socklab examples chat, above' },
}

/** The command lines of the README's sh blocks, each without its comment. */
async function readmeCommands(): Promise<string[]> {
  const text = await readFile(README, 'utf8')
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!)
  return blocks.flatMap((block) => block.split('\n')).map((line) => line.replace(/\s+#\s.*$/, '').trim()).filter((line) => line && !line.startsWith('#'))
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'socklab-readme-'))
  const bin = join(dir, '.bin')
  await mkdir(bin)
  await writeFile(join(bin, 'socklab'), `#!/bin/sh\nexec "${process.execPath}" "${SOCKLAB_BIN}" "$@"\n`, { mode: 0o755 })
  env = { PATH: `${bin}:${process.env.PATH}`, NO_COLOR: '1', SOCKLAB_TARGET: 'local' }
})
afterAll(() => rm(dir, { recursive: true, force: true }))

describe('the README', () => {
  it('has no command this test does not know, and this test none the README lost', async () => {
    const commands = await readmeCommands()
    expect(commands.filter((c) => !(c in COMMANDS))).toEqual([])
    expect(Object.keys(COMMANDS).filter((c) => !commands.includes(c))).toEqual([])
  })

  it('is one screen up to its three paths: at most 1,000 words in all', async () => {
    const words = (await readFile(README, 'utf8')).split(/\s+/).filter(Boolean).length
    expect(words).toBeLessThanOrEqual(1000)
  })

  for (const [command, check] of Object.entries(COMMANDS)) {
    if ('run' in check) it(`runs as written: ${command}`, { timeout: 120_000 }, () => check.run(dir))
  }
})
