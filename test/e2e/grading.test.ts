import { existsSync } from 'node:fs'
import { copyFile, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT } from '../../src/index.js'
import { ORIGINAL_SERVER, SOCKLAB_BIN, freePort, runProcess } from '../helpers/processes.js'
import { listeningSocket } from '../helpers/taken-port.js'
import { SHIPPED_FILES } from '../helpers/scenarios.js'
import { socklabOnTerminal } from '../helpers/terminal.js'

/**
 * `socklab grade` on three submissions of the assignment, each a `server.py`: the original (correct), one
 * that never turns a fourth client away, and one that reads files as text (and breaks on binary ones),
 * graded with examples/grading's suite (echo 2, overflow 3, binary 3 hidden, status 2 points).
 */
const EXAMPLE = fileURLToPath(new URL('../../examples/grading/', import.meta.url))
let dir: string

async function submission(name: string, edit: (source: string) => string): Promise<string> {
  const folder = join(dir, 'submissions', name)
  await mkdir(folder, { recursive: true })
  const source = await readFile(ORIGINAL_SERVER, 'utf8')
  const edited = edit(source)
  if (name !== 'correct') expect(edited).not.toBe(source)
  await writeFile(join(folder, 'server.py'), edited)
  return folder
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'socklab-grade-'))
  await submission('correct', (s) => s)
  await submission('no-reject', (s) => s.replace('MAX_CLIENTS = 3', 'MAX_CLIENTS = 100'))
  await submission('text-files', (s) => s.replace("open(path, 'rb') as f:\n                        conn.sendall(f.read())", "open(path, 'r') as f:\n                        conn.sendall(f.read().encode())"))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

describe('socklab grade', () => {
  it('scores each submission, writes Gradescope results, reports and a CSV, and keeps hidden tests to their verdict', async () => {
    const out = join(dir, 'grades')
    const names = ['correct', 'no-reject', 'text-files'].map((n) => join(dir, 'submissions', n))
    const run = await runProcess('node', [SOCKLAB_BIN, 'grade', ...names, '--dir', join(EXAMPLE, 'scenarios'), '--out', out, '--target', 'local'], '')
    expect(run.code, run.stdout + run.stderr).toBe(EXIT.OK)
    expect(await readFile(join(out, 'summary.csv'), 'utf8')).toBe(
      ['submission,score,max_score,binary,echo,overflow,status', 'correct,10,10,3,2,3,2', 'no-reject,7,10,3,2,0,2', 'text-files,7,10,0,2,3,2', ''].join('\n'),
    )
    const results = JSON.parse(await readFile(join(out, 'no-reject', 'results.json'), 'utf8')) as { score: number; tests: Array<Record<string, unknown>> }
    expect(results.score).toBe(7)
    expect(results.tests.find((t) => t.name === 'overflow')).toMatchObject({
      score: 0,
      max_score: 3,
      status: 'failed',
      visibility: 'visible',
      output: expect.stringContaining('connect d (expect rejected): d was admitted'),
    })
    const hidden = JSON.parse(await readFile(join(out, 'text-files', 'results.json'), 'utf8')) as { tests: Array<Record<string, unknown>> }
    expect(hidden.tests.find((t) => t.name === 'binary')).toEqual({ name: 'binary', score: 0, max_score: 3, status: 'failed', output: 'failed', output_format: 'md', visibility: 'visible' })
    const student = await readFile(join(out, 'text-files', 'student.md'), 'utf8')
    expect(student).toContain('| binary (hidden) | 0 / 3 | failed |')
    expect(student).not.toContain('socklab.png')
    // The teacher's report has everything, the hidden test's failing step included.
    expect(await readFile(join(out, 'text-files', 'report.html'), 'utf8')).toContain('get a: socklab.png')
    expect(await readFile(join(out, 'correct', 'junit.xml'), 'utf8')).toContain('tests="4" failures="0"')
  })

  it('gives a faithful server full marks on what it can run: the scenarios it cannot run are left out of the maximum, and marked', { timeout: 120_000 }, async () => {
    const out = join(dir, 'grades-shipped')
    const run = await runProcess('node', [SOCKLAB_BIN, 'grade', join(dir, 'submissions', 'correct'), '--out', out, '--quiet', '--target', 'local'], '')
    expect(run.code, run.stdout + run.stderr).toBe(EXIT.OK)
    const results = JSON.parse(await readFile(join(out, 'correct', 'results.json'), 'utf8')) as { score: number; output: string; tests: Array<Record<string, unknown>> }
    const skipped = results.tests.filter((t) => (t.extra_data as { skipped?: boolean } | undefined)?.skipped)
    const counted = results.tests.filter((t) => !skipped.includes(t))
    expect(skipped.length).toBeGreaterThan(0)
    expect(counted.length).toBeGreaterThan(0)
    for (const t of skipped) expect(t).toMatchObject({ score: 0, max_score: 0, output: expect.stringMatching(/^skipped: .*\(not counted\)$/) })
    expect(counted.filter((t) => t.status !== 'passed'), JSON.stringify(counted, null, 2)).toEqual([])
    const max = counted.reduce((sum, t) => sum + Number(t.max_score), 0)
    expect(results.score).toBe(max)
    expect(results.output).toContain(`${max} of ${max} points (${skipped.length} skipped, not counted)`)
    // --quiet: a line per submission, no progress.
    expect(run.stdout).toMatch(new RegExp(`^correct: ${max} of ${max} points`, 'm'))
    expect(run.stdout).not.toMatch(/\(\d+ of \d+\)$/m)
    // Unsandboxed, and said so.
    expect(run.stderr).toMatch(/^warning: the submissions run unsandboxed/m)

  })

  it('reports a server that cannot bind once, with what was run, what was waited for and the likely cause, and exits non-zero', async () => {
    // A port taken by someone else, written into the server as a constant.
    await using taken = await listeningSocket()
    const folder = await submission('fixed-port', (s) => s.replace('PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 12345', `PORT = ${taken.port}`))
    const out = join(dir, 'grades-fixed-port')
    const run = await runProcess('node', [SOCKLAB_BIN, 'grade', folder, '--dir', join(EXAMPLE, 'scenarios'), '--out', out, '--target', 'local'], '')
    expect(run.code, run.stdout + run.stderr).toBe(EXIT.LISTEN_FAILED)
    const output = run.stdout + run.stderr
    // Once: the traceback's last line appears in the first scenario's report only.
    expect(output.match(/Address already in use/g)).toHaveLength(1)
    expect(output).toContain('ran: python3 -u ')
    expect(output).toContain('waited for: its listening line')
    expect(output).toContain('likely cause: the port was taken')
    const student = await readFile(join(out, 'fixed-port', 'student.md'), 'utf8')
    expect(student.match(/not run: the server did not start \(see \w+\)/g)).toHaveLength(3)
    expect(output).toContain('not graded (the server did not start): fixed-port')
    const results = JSON.parse(await readFile(join(out, 'fixed-port', 'results.json'), 'utf8')) as { score: number; output: string }
    expect(results.score).toBe(0)
    expect(results.output).toMatch(/^Not graded: the server did not start\./)
  })

  it("scores nothing for console lines the wire does not bear out: a forged `Client01 connected from …` fails as a connection that did not happen", async () => {
    const folder = join(dir, 'submissions', 'forger')
    await mkdir(folder, { recursive: true })
    // It admits anyone at the TCP level, answers nothing, and prints the lines a correct server would.
    await writeFile(join(folder, 'server.py'), [
      'import socket, sys',
      "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('0.0.0.0', int(sys.argv[1]))); s.listen(8)",
      "print(f'Server listening on 0.0.0.0:{sys.argv[1]}', flush=True)",
      "for n in (1, 2, 3): print(f\"Client0{n} connected from ('10.0.0.{10 + n}', {40000 + n})\", flush=True)",
      'held = []',
      'while True: held.append(s.accept()[0])',
      '',
    ].join('\n'))
    const suite = join(dir, 'forged-suite')
    await mkdir(suite, { recursive: true })
    await writeFile(join(suite, 'three-in.yaml'), ['description: three clients get in, and the server says so', 'points: 2', 'clients:', '  a: { mode: compat }', '  b: { mode: compat }', '  c: { mode: compat }', 'steps:', '  - connect: [a, b, c]', '  - expect_events: { event: client_connected, count: 3 }', ''].join('\n'))
    const out = join(dir, 'grades-forged')
    const run = await runProcess('node', [SOCKLAB_BIN, 'grade', folder, '--dir', suite, '--out', out, '--target', 'local', '--quiet'], '')
    expect(run.code, run.stdout + run.stderr).toBe(EXIT.OK)
    expect(run.stdout).toMatch(/^forger: 0 of 2 points/m)
    const results = JSON.parse(await readFile(join(out, 'forger', 'results.json'), 'utf8')) as { tests: Array<{ name: string; output: string }> }
    expect(results.tests[0]!.output).toContain('the log claims a connection that did not happen: client_connected from 10.0.0.11:40001, and no client connected from there')
    // The same suite on the original: its lines are true, and earn the points.
    const honest = await runProcess('node', [SOCKLAB_BIN, 'grade', join(dir, 'submissions', 'correct'), '--dir', suite, '--out', out, '--target', 'local', '--quiet'], '')
    expect(honest.stdout).toMatch(/^correct: 2 of 2 points/m)
  })

  it('runs a submission as written on the local target when it binds every address: on the port it hard-codes, one at a time, its folder untouched', async () => {
    // The shipped samples as written (no arguments, 0.0.0.0), on a port of this test's own.
    const port = await freePort()
    const written = join(dir, 'as-written')
    for (const name of ['correct', 'no-reject']) {
      await cp(join(EXAMPLE, 'submissions', name), join(written, name), { recursive: true })
      const source = join(written, name, 'server.py')
      await writeFile(source, (await readFile(source, 'utf8')).replace('PORT = 12345', `PORT = ${port}`))
    }
    const run = await runProcess('node', [SOCKLAB_BIN, 'grade', join(written, 'correct'), join(written, 'no-reject'), '--dir', join(EXAMPLE, 'scenarios'), '--out', join(dir, 'grades-as-written'), '--target', 'local', '--parallel', '2', '--quiet'], '')
    expect(run.code, run.stdout + run.stderr).toBe(EXIT.OK)
    expect(run.stdout).toMatch(/^correct: 10 of 10 points/m)
    expect(run.stdout).toMatch(/^no-reject: 7 of 10 points/m)
    const report = await readFile(join(dir, 'grades-as-written', 'correct', 'report.html'), 'utf8')
    expect(report).toContain(`Server listening on 0.0.0.0:${port}`)
    // Run from a copy: nothing was written beside it (no served folder, no __pycache__).
    expect((await readdir(join(written, 'correct'))).sort()).toEqual(['server.py'])
  })

  it('on a terminal draws a bar per submission and one for the class, redrawn in place, and leaves a line per submission', async () => {
    const suite = join(dir, 'echo-terminal')
    await mkdir(suite, { recursive: true })
    await copyFile(join(EXAMPLE, 'scenarios', 'echo.yaml'), join(suite, 'echo.yaml'))
    await copyFile(join(EXAMPLE, 'scenarios', 'status.yaml'), join(suite, 'status.yaml'))
    const names = ['correct', 'no-reject'].map((n) => join(dir, 'submissions', n))
    const terminal = socklabOnTerminal(['grade', ...names, '--dir', suite, '--out', join(dir, 'grades-terminal'), '--target', 'local', '--parallel', '2'])
    expect(await terminal.exited).toBe(EXIT.OK)
    const screen = terminal.screen()
    // The bars, as drawn while it ran: each submission's scenarios and the class.
    expect(screen).toMatch(/ {2}\[#{10}-{10}\] (correct|no-reject): 1 of 2 \((echo|status) passed\)/)
    expect(screen).toMatch(/\[-{20}\] class: 0 of 2 submissions graded/)
    // Redrawn in place (cursor up to the bars' first line, cleared below), never a line per scenario.
    expect(screen).toMatch(/\x1b\[\d+F\x1b\[J/)
    expect(screen).not.toMatch(/: (echo|status) passed \(\d of 2\)/)
    // What stays: a line per submission, and at the end the class bar full.
    expect(screen).toMatch(/(^|\x1b\[J)correct: 4 of 4 points/m)
    expect(screen).toMatch(/(^|\x1b\[J)no-reject: 4 of 4 points/m)
    expect(screen).toMatch(/\[#{20}\] class: 2 of 2 submissions graded/)
  })

  it('with --vary draws each submission its own files, names and contents: one that serves copies of the shipped files fails, a regrade draws the same', async () => {
    // It serves a copy of the shipped files kept beside it, whatever it is given.
    const folder = await submission('hard-coded', (source) => source.replace("SERVER_FILES = sys.argv[2] if len(sys.argv) > 2 else 'server_files'", "SERVER_FILES = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'my_files')"))
    await cp(SHIPPED_FILES, join(folder, 'my_files'), { recursive: true })
    const suite = join(dir, 'logo-suite')
    await mkdir(suite, { recursive: true })
    await writeFile(join(suite, 'logo.yaml'), ['description: the logo arrives byte for byte', 'clients: [a]', 'steps:', '  - connect: a', '  - get: { client: a, file: socklab.png }', ''].join('\n'))
    const grade = (out: string, ...extra: string[]) => runProcess('node', [SOCKLAB_BIN, 'grade', folder, join(dir, 'submissions', 'correct'), '--dir', suite, '--out', join(dir, out), '--target', 'local', '--quiet', ...extra], '')
    const plain = await grade('grades-plain')
    expect(plain.stdout).toMatch(/^hard-coded: 1 of 1 points/m)
    const varied = await grade('grades-varied', '--vary', 'autumn')
    expect(varied.stdout, varied.stdout + varied.stderr).toMatch(/^hard-coded: 0 of 1 points/m)
    expect(varied.stdout).toMatch(/^correct: 1 of 1 points/m)
    const variation = (name: string, out = 'grades-varied') => readFile(join(dir, out, name, 'variation.json'), 'utf8')
    const drawn = JSON.parse(await variation('correct')) as { seed: string; files: Array<{ name: string; was: string; sha256: string }>; names: Record<string, string> }
    expect(drawn.seed).toBe('autumn')
    expect(drawn.files.map((f) => f.was)).toEqual(['hello.txt', 'socklab.png'])
    // Names of its own too, extensions kept: the scenario's `get socklab.png` asked for the drawn one.
    const logo = drawn.names['socklab.png']!
    expect(logo).toMatch(/^[a-z]+-[0-9a-f]{6}\.png$/)
    const report = await readFile(join(dir, 'grades-varied', 'correct', 'report.html'), 'utf8')
    expect(report).toContain(`get ${logo}`)
    expect(report).not.toContain('get socklab.png')
    expect(await variation('hard-coded')).not.toBe(await variation('correct'))
    // Graded again: the same files.
    await grade('grades-again', '--vary', 'autumn')
    expect(await variation('correct', 'grades-again')).toBe(await variation('correct'))
  })

  it('without a Docker engine refuses to run submissions unsandboxed, says how to get one, and runs them locally only with --unsafe-local', async () => {
    const suite = join(dir, 'echo-only')
    await mkdir(suite, { recursive: true })
    await copyFile(join(EXAMPLE, 'scenarios', 'echo.yaml'), join(suite, 'echo.yaml'))
    const noEngine = { DOCKER_HOST: `unix://${join(dir, 'no-engine.sock')}` }
    const args = [SOCKLAB_BIN, 'grade', join(dir, 'submissions', 'correct'), '--dir', suite, '--quiet']
    const refused = await runProcess('node', [...args, '--out', join(dir, 'grades-refused')], '', noEngine)
    expect(refused.code, refused.stdout + refused.stderr).toBe(EXIT.TARGET_UNAVAILABLE)
    expect(refused.stderr).toContain('no Docker engine answers, and grading runs every submission in a sandbox on one: start Docker')
    expect(refused.stderr).toContain('add --unsafe-local')
    expect(existsSync(join(dir, 'grades-refused', 'correct'))).toBe(false)
    const unsafe = await runProcess('node', [...args, '--out', join(dir, 'grades-unsafe'), '--unsafe-local'], '', noEngine)
    expect(unsafe.code, unsafe.stdout + unsafe.stderr).toBe(EXIT.OK)
    expect(unsafe.stderr).toMatch(/^warning: the submissions run unsandboxed, as local processes with your rights/m)
    expect(unsafe.stdout).toMatch(/^correct: 2 of 2 points/m)
  })

  it("runs as examples/grading/prairielearn/run.sh does in PrairieLearn's grader: a score from 0 to 1, and not gradable when the server does not start", async () => {
    const bin = join(dir, 'bin-pl')
    await mkdir(bin, { recursive: true })
    await writeFile(join(bin, 'socklab'), `#!/bin/sh\nexec node ${SOCKLAB_BIN} "$@"\n`, { mode: 0o755 })
    const job = async (name: string, source: string) => {
      const root = join(dir, `pl-${name}`)
      await mkdir(join(root, 'student'), { recursive: true })
      await cp(join(EXAMPLE, 'scenarios'), join(root, 'tests', 'scenarios'), { recursive: true })
      await writeFile(join(root, 'student', 'server.py'), source)
      const run = await runProcess('bash', [join(EXAMPLE, 'prairielearn', 'run.sh')], '', { GRADE_ROOT: root, PATH: `${bin}:${process.env.PATH}` })
      expect(run.code, run.stdout + run.stderr).toBe(0)
      return JSON.parse(await readFile(join(root, 'results', 'results.json'), 'utf8')) as Record<string, unknown> & { tests?: Array<Record<string, unknown>> }
    }
    const graded = await job('no-reject', await readFile(join(dir, 'submissions', 'no-reject', 'server.py'), 'utf8'))
    expect(graded).toMatchObject({ gradable: true, score: 0.7 })
    expect(graded.tests!.map((t) => [t.name, t.points, t.max_points])).toEqual([['binary', 3, 3], ['echo', 2, 2], ['overflow', 0, 3], ['status', 2, 2]])
    const broken = await job('broken', 'raise SystemExit("no server today")\n')
    expect(broken).toMatchObject({ gradable: false, message: 'Your server did not start, so nothing could be graded.' })
    expect(broken.format_errors).toEqual(expect.arrayContaining([expect.stringContaining('no server today')]))
  })

  it('runs as examples/grading/run_autograder does on Gradescope, with the paths moved by AUTOGRADER_ROOT', async () => {
    const root = join(dir, 'autograder')
    await mkdir(join(root, 'submission'), { recursive: true })
    await copyFile(join(dir, 'submissions', 'no-reject', 'server.py'), join(root, 'submission', 'server.py'))
    // `socklab` on the PATH, as setup.sh installs it.
    const bin = join(dir, 'bin')
    await mkdir(bin, { recursive: true })
    await writeFile(join(bin, 'socklab'), `#!/bin/sh\nexec node ${SOCKLAB_BIN} "$@"\n`, { mode: 0o755 })
    const run = await runProcess('bash', [join(EXAMPLE, 'run_autograder')], '', { AUTOGRADER_ROOT: root, PATH: `${bin}:${process.env.PATH}` })
    expect(run.code, run.stdout + run.stderr).toBe(0)
    const results = JSON.parse(await readFile(join(root, 'results', 'results.json'), 'utf8')) as { score: number }
    expect(results.score).toBe(7)
  })
})
