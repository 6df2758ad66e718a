import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT } from '../../src/index.js'
import { ORIGINAL_SERVER, SOCKLAB_BIN, runProcess } from '../helpers/processes.js'

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
    const run = await runProcess('node', [SOCKLAB_BIN, 'grade', ...names, '--dir', join(EXAMPLE, 'scenarios'), '--out', out], '')
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
    expect(hidden.tests.find((t) => t.name === 'binary')).toEqual({ name: 'binary', score: 0, max_score: 3, status: 'failed', output: 'failed', visibility: 'visible' })
    const student = await readFile(join(out, 'text-files', 'student.md'), 'utf8')
    expect(student).toContain('| binary (hidden) | 0 / 3 | failed |')
    expect(student).not.toContain('socklab.png')
    // The teacher's report has everything, the hidden test's failing step included.
    expect(await readFile(join(out, 'text-files', 'report.html'), 'utf8')).toContain('get a: socklab.png')
    expect(await readFile(join(out, 'correct', 'junit.xml'), 'utf8')).toContain('tests="4" failures="0"')
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
