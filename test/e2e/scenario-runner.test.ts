import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT } from '../../src/index.js'
import { SOCKLAB_BIN, runProcess } from '../helpers/processes.js'

const LANGUAGE = fileURLToPath(new URL('../fixtures/scenarios/language.yaml', import.meta.url))

let dir: string
const scenario = (args: string[], env: NodeJS.ProcessEnv = {}) => runProcess('node', [SOCKLAB_BIN, 'scenario', ...args, '--target', 'local'], '', env)
const validate = (args: string[]) => runProcess('node', [SOCKLAB_BIN, 'scenario', 'validate', ...args], '')

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'socklab-suite-'))
  await writeFile(join(dir, 'ok.yaml'), 'tags: [smoke]\nclients: [a]\nsteps:\n  - connect: a\n  - send: { client: a, command: hi, reply: hi ACK }\n')
  await writeFile(join(dir, 'other.yaml'), 'tags: [smoke]\nclients: [a]\nsteps:\n  - connect: a\n  - send: { client: a, command: yo, reply: yo ACK }\n')
  await writeFile(join(dir, 'bad.yaml'), 'tags: [slow]\nclients: [a]\nsteps:\n  - connect: a\n  - send: { client: a, command: ping, reply: ping }\n')
  await writeFile(
    join(dir, 'many-problems.yaml'),
    ['clients: [a]', 'steps:', '  - connect: b', '  - send: { client: a, comand: hi }', '  - wait_event: { event: client_disconnected, where: { reason: closed } }'].join('\n'),
  )
})
afterAll(() => rm(dir, { recursive: true, force: true }))

describe('socklab scenario run: selection, rounds, parallel runs, bail and variables (local target)', () => {
  it('--repeat 5 runs a scenario named by a glob five times and ends with a pass-rate table', async () => {
    const run = await scenario(['run', 'o?', '--dir', dir, '--repeat', '5'])
    expect(run.code, run.stdout + run.stderr).toBe(EXIT.OK)
    expect(run.stdout.match(/^▶ ok \(round \d of 5\)/gm)).toHaveLength(5)
    expect(run.stdout).not.toContain('other')
    expect(run.stdout).toContain('Pass rates over 5 runs each:')
    expect(run.stdout).toMatch(/^ {2}ok +5 +0 +100%$/m)
  })

  it('--tag with --parallel 2 runs the tagged scenarios two at a time, each run written whole, and counts each failing step', async () => {
    const run = await scenario(['run', '--tag', 'smoke', '--tag', 'slow', '--dir', dir, '--parallel', '2', '--repeat', '2'])
    expect(run.code, run.stdout + run.stderr).toBe(EXIT.SCENARIO_FAILED)
    // Three tagged scenarios, and the broken file (its tags cannot be known, so it is reported), twice each;
    // each run's block, from its ▶ to its verdict, holds only its own lines.
    const blocks = run.stdout.split('\n▶ ').slice(1)
    expect(blocks).toHaveLength(8)
    for (const block of blocks) {
      const [name, round] = /^([\w-]+) \(round (\d) of 2\)/.exec(block)!.slice(1)
      expect(block).toMatch(new RegExp(`\\n[✔✘] ${name} #${round} (passed|failed) in `))
    }
    expect(run.stdout).toContain('4 passed, 4 failed')
    expect(run.stdout).toMatch(/^ {2}bad +0 +2 +0%$/m)
    expect(run.stdout).toContain('    line 5: send a: ping — failed 2 of 2 (0% pass)')
    expect(run.stdout).toMatch(/^ {2}many-problems +0 +2 +0%$/m)
  })

  it('--bail starts nothing after the first failure', async () => {
    const run = await scenario(['run', 'bad', 'ok', '--dir', dir, '--bail'])
    expect(run.code).toBe(EXIT.SCENARIO_FAILED)
    expect(run.stdout).toContain('0 passed, 1 failed, 1 not run (--bail)')
    expect(run.stdout).not.toContain('▶ ok')
  })

  it('runs a file by its path with --var and SOCKLAB_VAR_<NAME>; --var wins; a --var no scenario has is refused', async () => {
    const byVar = await scenario(['run', LANGUAGE, '--var', 'rounds=2'], { SOCKLAB_VAR_ROUNDS: '4', SOCKLAB_VAR_GREETING: 'howdy' })
    expect(byVar.code, byVar.stdout + byVar.stderr).toBe(EXIT.OK)
    expect(byVar.stdout).toContain('✓ send a: round 2')
    expect(byVar.stdout).not.toContain('round 3')
    expect(byVar.stdout).toContain('✓ send b: howdy from Client02')
    expect(byVar.stdout).toMatch(/✓ connect c .*\(passed on attempt \d+\)/)
    const typo = await scenario(['run', LANGUAGE, '--var', 'round=2'])
    expect(typo.code).toBe(EXIT.USAGE)
    expect(typo.stderr).toContain('--var round: no selected scenario has such a variable (they have: file, greeting, rounds)')
  })

  it('validate reports every problem of a file, each with its line', async () => {
    const run = await validate([join(dir, 'many-problems.yaml'), join(dir, 'ok.yaml')])
    expect(run.code).toBe(EXIT.USAGE)
    const lines = run.stdout.split('\n')
    expect(lines.filter((line) => line.startsWith('    '))).toEqual([
      expect.stringMatching(/many-problems\.yaml:3: steps\[0\]\.connect: expected one of the scenario's clients \(a\), got "b"$/),
      expect.stringMatching(/many-problems\.yaml:4: steps\[1\]\.send\.comand: .*did you mean command\?$/),
      expect.stringMatching(/many-problems\.yaml:5: steps\[2\]\.wait_event\.where\.reason: expected a reason of client_disconnected \(exit, eof, reset, timeout, error, shutdown\), got "closed"$/),
    ])
    expect(run.stdout).toContain('1 valid, 1 invalid (3 problems)')
  })
})
