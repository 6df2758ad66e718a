/// <reference lib="dom" />
import { existsSync } from 'node:fs'
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { once } from 'node:events'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import puppeteer from 'puppeteer-core'
import { parse } from 'yaml'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { EXIT, LABEL } from '../../src/index.js'
import { SOCKLAB_BIN, runProcess, spawnProcess, type Run } from '../helpers/processes.js'
import { docker } from './helpers/docker-engine.js'

/**
 * `socklab grade` on the shipped submissions (examples/grading/submissions: correct, the original as
 * written on 192.168.2.53, two buggy ones, a hostile one), sandboxed on the docker target, three at once.
 * The hostile one tries to read, write and connect its way out, leave a daemon, forge its console and flood
 * it: each attempt is checked from the host's side, and the others score as they do alone.
 */
const EXAMPLE = fileURLToPath(new URL('../../examples/grading/', import.meta.url))
const SUBMISSIONS = join(EXAMPLE, 'submissions')
const RESOURCE_HOG = fileURLToPath(new URL('../fixtures/grading/resource-hog/', import.meta.url))
const NAMES = ['correct', 'hostile', 'no-reject', 'original', 'text-files']
const CHROMIUM = process.env.SOCKLAB_CHROMIUM ?? '/usr/bin/chromium'
/** The host port the hostile submission tries to reach (HOST_PORT in its server.py). */
const HOSTILE_PORT = 47999
const HOST_MARKER = '/tmp/socklab-hostile-marker'

let dir: string
let out: string
let run: Run
let listener: Server
let gradingPid: number
const reached: string[] = []
const byOwner = (pid: number) => ({ label: [`${LABEL.pid}=${pid}`] })

/** Why each submission lost what it lost, from its grade.json: said when a score is not the documented one. */
async function failureReasons(): Promise<string> {
  const lines: string[] = []
  for (const name of (await readdir(out)).sort()) {
    const file = join(out, name, 'grade.json')
    if (!existsSync(file)) continue
    const { grade } = JSON.parse(await readFile(file, 'utf8')) as { grade: { tests: Array<{ name: string; status: string; detail: string }> } }
    for (const test of grade.tests) if (test.status !== 'passed') lines.push(`${name} ${test.name}: ${test.detail}`)
  }
  return lines.join('\n')
}

async function submissionFiles(): Promise<string[]> {
  return (await readdir(SUBMISSIONS, { recursive: true })).map(String).sort()
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'socklab-grade-sandbox-'))
  out = join(dir, 'grades')
  await rm(HOST_MARKER, { force: true })
  // What the hostile submission would reach on the host, if it could: every address, its port.
  listener = createServer((socket) => {
    reached.push(String(socket.remoteAddress))
    socket.destroy()
  })
  await new Promise<void>((resolve, reject) => listener.once('error', reject).listen(HOSTILE_PORT, '0.0.0.0', resolve))
  const before = await submissionFiles()
  // Ten: the five shipped, and a copy of each (a class of ten, three at once).
  for (const n of NAMES) await cp(join(SUBMISSIONS, n), join(dir, 'copies', `${n}-2`), { recursive: true })
  const grading = spawnProcess('node', [SOCKLAB_BIN, 'grade', ...NAMES.map((n) => join(SUBMISSIONS, n)), ...NAMES.map((n) => join(dir, 'copies', `${n}-2`)), '--dir', join(EXAMPLE, 'scenarios'), '--out', out, '--parallel', '3', '--image', inject('image'), '--quiet'], { env: { NO_COLOR: '1' } })
  gradingPid = grading.child.pid!
  run = await grading.exited
  expect(await submissionFiles()).toEqual(before)
}, 600_000)

afterAll(async () => {
  await new Promise((resolve) => listener?.close(resolve))
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('socklab grade, sandboxed on the docker target', () => {
  it('gives each shipped submission its documented score, ten of them three at once, the hostile ones alongside', async () => {
    expect(run.code, run.stdout + run.stderr).toBe(EXIT.OK)
    expect(run.stderr).not.toMatch(/unsandboxed/)
    const csv = await readFile(join(out, 'summary.csv'), 'utf8')
    expect(csv, await failureReasons()).toBe(
      [
        'submission,score,max_score,binary,echo,overflow,status',
        'correct,10,10,3,2,3,2',
        'correct-2,10,10,3,2,3,2',
        'hostile,0,10,0,0,0,0',
        'hostile-2,0,10,0,0,0,0',
        'no-reject,7,10,3,2,0,2',
        'no-reject-2,7,10,3,2,0,2',
        'original,10,10,3,2,3,2',
        'original-2,10,10,3,2,3,2',
        'text-files,7,10,0,2,3,2',
        'text-files-2,7,10,0,2,3,2',
        '',
      ].join('\n'),
    )
  })

  it("contains every attempt of the hostile submission, and says why it scored nothing", async () => {
    // Nothing reached the host, nothing was written on it, nothing is left on the engine.
    expect(reached).toEqual([])
    expect(existsSync(HOST_MARKER)).toBe(false)
    expect(await docker.listContainers({ all: true, filters: byOwner(gradingPid) })).toEqual([])
    expect(await docker.listNetworks({ filters: byOwner(gradingPid) })).toEqual([])
    const student = await readFile(join(out, 'hostile', 'student.md'), 'utf8')
    expect(student).toContain('failed: the server crossed a limit of its sandbox: output: it printed more than 1 MiB (--output-limit), and was stopped')
    // Its console, kept for the teacher: what it tried, from inside.
    const logs = join(out, 'hostile', 'logs', 'echo-logs', 'server.log')
    const console = await readFile(logs, 'utf8')
    for (const line of [
      /hostile: find the scenarios: blocked \(FileNotFoundError/,
      /hostile: write outside its folder: blocked \(OSError: \[Errno 30\] Read-only file system/,
      /hostile: write beside itself: blocked \(OSError: \[Errno 30\] Read-only file system/,
      /hostile: connect to the host: blocked/,
      /hostile: connect to the engine host: blocked \(OSError: \[Errno 101\] Network is unreachable\)/,
      /hostile: connect to 127\.0\.0\.1: blocked \(ConnectionRefusedError/,
    ]) expect(console).toMatch(line)
    // The forged lines earned nothing: the overflow scenario saw no one turned away.
    const results = JSON.parse(await readFile(join(out, 'hostile', 'results.json'), 'utf8')) as { score: number; tests: Array<{ name: string; score: number }> }
    expect(results.score).toBe(0)
  })

  it('writes a class report that opens in headless Chromium with no error: the histogram, pass rates, links', async () => {
    const browser = await puppeteer.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless=new'] })
    try {
      const page = await browser.newPage()
      const errors: string[] = []
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warn') errors.push(message.text())
      })
      page.on('pageerror', (error) => errors.push(String(error)))
      await page.goto(`file://${join(out, 'class.html')}`, { waitUntil: 'load' })
      expect(errors).toEqual([])
      const bars = await page.$$eval('svg.histogram rect.bar', (rects) => rects.map((r) => r.querySelector('title')!.textContent))
      expect(bars).toHaveLength(10)
      expect(bars).toContain('0–9 %: 2')
      expect(bars).toContain('70–79 %: 4')
      expect(bars).toContain('90–100 %: 4')
      const rates = await page.$$eval('table.rates tbody tr', (rows) => rows.map((r) => Array.from(r.querySelectorAll('td')).slice(0, 2).map((td) => td.textContent).join(': ')))
      expect(rates).toEqual(['binary: 6 of 10', 'echo: 8 of 10', 'overflow: 6 of 10', 'status: 8 of 10'])
      const links = await page.$$eval('table.submissions a', (as) => as.map((a) => a.getAttribute('href')))
      expect(links).toEqual(NAMES.flatMap((n) => [`${n}/report.html`, `${n}-2/report.html`]))
      for (const link of links) expect(existsSync(join(out, link!))).toBe(true)
    } finally {
      await browser.close()
    }
  })

  it('re-grading one submission updates the class files and keeps the others', async () => {
    const again = await runProcess('node', [SOCKLAB_BIN, 'grade', join(SUBMISSIONS, 'no-reject'), '--dir', join(EXAMPLE, 'scenarios'), '--out', out, '--image', inject('image'), '--quiet'], '', { NO_COLOR: '1' })
    expect(again.code, again.stdout + again.stderr).toBe(EXIT.OK)
    expect(again.stdout).toContain('class report: ')
    expect((await readFile(join(out, 'summary.csv'), 'utf8')).trim().split('\n')).toHaveLength(11)
    expect(await readFile(join(out, 'summary.csv'), 'utf8')).toContain('no-reject,7,10,3,2,0,2')
  })

  it('stops a submission that fills its /tmp and /dev/shm, forks without end and takes more memory than it is given, and grades the next as before', async () => {
    const suite = join(dir, 'echo-suite')
    await mkdir(suite, { recursive: true })
    await cp(join(EXAMPLE, 'scenarios', 'echo.yaml'), join(suite, 'echo.yaml'))
    const out = join(dir, 'grades-hog')
    const hog = await runProcess('node', [SOCKLAB_BIN, 'grade', RESOURCE_HOG, join(SUBMISSIONS, 'correct'), '--dir', suite, '--out', out, '--parallel', '2', '--memory', '64MiB', '--pids', '32', '--tmpfs', '4MiB', '--image', inject('image'), '--quiet'], '', { NO_COLOR: '1' })
    expect(hog.code, hog.stdout + hog.stderr).toBe(EXIT.OK)
    expect(hog.stdout).toMatch(/^correct: 2 of 2 points/m)
    expect(hog.stdout).toMatch(/^resource-hog: 0 of 2 points/m)
    const verdict = await readFile(join(out, 'resource-hog', 'student.md'), 'utf8')
    expect(verdict).toContain('memory: it used more than 64 MiB (--memory), and the kernel stopped it')
    expect(verdict).toContain('processes: it ran 32 at once (--pids), the most it may, so its next fork failed')
    expect(verdict).toContain('/tmp: it filled its 4 MiB (--tmpfs), so its next write there failed')
    expect(verdict).toContain('/dev/shm: it filled its 4 MiB (--tmpfs), so its next write there failed')
    const console = await readFile(join(out, 'resource-hog', 'logs', 'echo-logs', 'server.log'), 'utf8')
    expect(console).toMatch(/hog: fill \/tmp: stopped after (\d+) KiB \(OSError: \[Errno 28\] No space left on device/)
    expect(console).toMatch(/hog: fill \/dev\/shm: stopped after (\d+) KiB \(OSError: \[Errno 28\] No space left on device/)
    for (const [, kib] of console.matchAll(/stopped after (\d+) KiB/g)) expect(Number(kib)).toBeLessThanOrEqual(4096)
    expect(console).toMatch(/hog: fork: stopped after \d+ \((BlockingIOError|OSError): \[Errno 11\]/)
  })

  it("runs the GitHub Classroom workflow's steps as a runner would: points for what passes, none for what fails", async () => {
    // The student's repository: their server.py, and the suite where the template puts it.
    const repo = join(dir, 'student-repo')
    await cp(join(SUBMISSIONS, 'no-reject'), repo, { recursive: true })
    await cp(join(EXAMPLE, 'scenarios'), join(repo, '.socklab', 'scenarios'), { recursive: true })
    const workflow = parse(await readFile(join(EXAMPLE, 'github-classroom', '.github', 'workflows', 'classroom.yml'), 'utf8')) as { jobs: Record<string, { steps: Array<{ with?: Record<string, string> }> }> }
    const command = (test: string) => workflow.jobs['run-autograding-tests']!.steps.find((s) => s.with?.['test-name'] === test)!.with!.command!
    const bin = join(dir, 'bin')
    await mkdir(bin, { recursive: true })
    await writeFile(join(bin, 'socklab'), `#!/bin/sh\nexec node ${SOCKLAB_BIN} "$@"\n`, { mode: 0o755 })
    const env = { PATH: `${bin}:${process.env.PATH}`, SOCKLAB_IMAGE: inject('image'), NO_COLOR: '1' }
    const echo = await runProcess('bash', ['-c', command('echo')], '', env, repo)
    expect(echo.code, echo.stdout + echo.stderr).toBe(EXIT.OK)
    const overflow = await runProcess('bash', ['-c', command('overflow')], '', env, repo)
    expect(overflow.code, overflow.stdout + overflow.stderr).toBe(EXIT.SCENARIO_FAILED)
    expect(overflow.stdout).toMatch(/^✘ overflow @ student-repo failed/m)
  })

  it('on SIGINT removes every container and network of the submissions being graded, and exits 130', async () => {
    const grading = spawnProcess('node', [SOCKLAB_BIN, 'grade', ...['correct', 'original'].map((n) => join(SUBMISSIONS, n)), '--dir', join(EXAMPLE, 'scenarios'), '--out', join(dir, 'interrupted'), '--parallel', '2', '--image', inject('image')], { env: { NO_COLOR: '1' } })
    const pid = grading.child.pid!
    // Interrupted once a container of the run has started (the engine says so).
    const events = (await docker.getEvents({ filters: { type: ['container'], event: ['start'], label: [`${LABEL.pid}=${pid}`] } })) as NodeJS.ReadableStream & { destroy(): void }
    try {
      await once(events, 'data')
      events.destroy()
      grading.child.kill('SIGINT')
      const done = await grading.exited
      expect(done.code, done.stdout + done.stderr).toBe(EXIT.INTERRUPTED)
      expect(await docker.listContainers({ all: true, filters: byOwner(pid) })).toEqual([])
      expect(await docker.listNetworks({ filters: byOwner(pid) })).toEqual([])
    } finally {
      await grading[Symbol.asyncDispose]()
    }
  })
})
