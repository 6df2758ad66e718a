import { existsSync, readdirSync, readFileSync, watch } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EXIT, freePort } from '../../src/index.js'
import { startLongRun } from '../helpers/interrupts.js'
import { SOCKLAB_BIN, runProcess, spawnProcess } from '../helpers/processes.js'

describe('an interrupted scenario run (local target)', () => {
  it('on SIGINT stops its steps, ends its processes, removes its temporary folders, and exits 130', async () => {
    await using long = await startLongRun('local')
    expect(await long.leftFolders()).not.toEqual([])
    const started = performance.now()
    long.run.child.kill('SIGINT')
    const done = await long.run.exited
    expect(done.code).toBe(EXIT.INTERRUPTED)
    expect(performance.now() - started).toBeLessThan(10_000)
    expect(done.stderr).toContain('SIGINT: stopping and removing what this run made')
    expect(await long.leftFolders()).toEqual([])
  })

  it('on SIGTERM exits 143, leaving nothing', async () => {
    await using long = await startLongRun('local')
    long.run.child.kill('SIGTERM')
    expect((await long.run.exited).code).toBe(EXIT.TERMINATED)
    expect(await long.leftFolders()).toEqual([])
  })

  it('piped into `head` (EPIPE when head has gone) cleans up the same way and ends without a stack trace, exit 141', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'interrupt-test-'))
    try {
      const command = `"${process.execPath}" "${SOCKLAB_BIN}" scenario run echo status --target local | head -n 1; echo "runner exit \${PIPESTATUS[0]}" >&2`
      const done = await runProcess('bash', ['-c', command], '', { TMPDIR: tmp, NO_COLOR: '1' })
      expect(done.stdout.trim().split('\n')).toHaveLength(1)
      expect(done.stderr).toContain(`runner exit ${EXIT.OUTPUT_CLOSED}`)
      expect(done.stderr).not.toMatch(/\n\s+at /)
      expect(await readdir(tmp)).toEqual([])
    } finally {
      await rm(tmp, { recursive: true, force: true })
    }
  })
})

/** Resolves once `name` exists in `dir` (watched, not polled on a timer). */
async function untilExists(dir: string, name: string): Promise<void> {
  const watcher = watch(dir)
  try {
    const seen = new Promise<void>((resolve) => watcher.on('change', (_event, file) => file === name && resolve()))
    if (!existsSync(join(dir, name))) await seen
  } finally {
    watcher.close()
  }
}

/** Processes of this machine whose command line names `path` (what a run started and left running). */
const processesNaming = (path: string): string[] =>
  readdirSync('/proc').flatMap((pid) => {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) return []
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')
      return cmdline.includes(path) ? [`${pid}: ${cmdline}`] : []
    } catch {
      return []
    }
  })

describe('an interrupted chaos run (local target)', () => {
  it('on SIGINT mid-run ends its server, clients and capture, keeps no half-written report or bundle, and exits 130', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'interrupt-test-'))
    const out = await mkdtemp(join(tmpdir(), 'interrupt-chaos-'))
    try {
      await using run = spawnProcess('node', [SOCKLAB_BIN, 'chaos', '--seed', '100', '--duration', '30s', '--out', out], { env: { TMPDIR: tmp, NO_COLOR: '1' } })
      await run.waitForOutput('seed: 100')
      // The server is up and its capture running once the bundle's capture file is there.
      await untilExists(out, 'chaos-100-logs')
      await untilExists(join(out, 'chaos-100-logs'), 'capture.pcap')
      expect(processesNaming(tmp).length + processesNaming(out).length).toBeGreaterThan(0)
      run.child.kill('SIGINT')
      const done = await run.exited
      expect(done.code, done.stdout + done.stderr).toBe(EXIT.INTERRUPTED)
      expect(done.stderr).toContain('SIGINT: stopping and removing what this run made')
      expect([...processesNaming(tmp), ...processesNaming(out)]).toEqual([])
      expect(await readdir(tmp)).toEqual([])
      expect(await readdir(out)).toEqual([])
    } finally {
      await rm(tmp, { recursive: true, force: true })
      await rm(out, { recursive: true, force: true })
    }
  })
})

describe('socklab clean', () => {
  it('removes temporary folders whose owner is gone, keeps a running owner’s, and --all takes the rest', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'clean-test-'))
    try {
      const dead = join(tmp, 'socklab-scenario-dead01')
      const alive = join(tmp, 'socklab-scenario-alive1')
      await mkdir(dead)
      await mkdir(alive)
      // A pid far above any this machine hands out: that owner is gone. The test process itself is alive.
      await writeFile(join(dead, '.socklab-owner.json'), JSON.stringify({ host: (await import('node:os')).hostname(), boot: '', pid: 4_000_000, start: '1' }))
      const me = spawnProcess('sleep', ['30'])
      const { hostname } = await import('node:os')
      const stat = (await import('node:fs')).readFileSync(`/proc/${me.child.pid}/stat`, 'utf8')
      const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
      await writeFile(join(alive, '.socklab-owner.json'), JSON.stringify({ host: hostname(), boot: '', pid: me.child.pid, start }))
      const first = await runProcess('node', [SOCKLAB_BIN, 'clean'], '', { TMPDIR: tmp })
      expect(first.code).toBe(0)
      expect(first.stdout).toContain(`removed folder ${dead} (made by pid 4000000 on`)
      expect(await readdir(tmp)).toEqual(['socklab-scenario-alive1'])
      const all = await runProcess('node', [SOCKLAB_BIN, 'clean', '--all'], '', { TMPDIR: tmp })
      expect(all.stdout).toContain(`removed folder ${alive}`)
      expect(await readdir(tmp)).toEqual([])
      await me[Symbol.asyncDispose]()
    } finally {
      await rm(tmp, { recursive: true, force: true })
    }
  })
})

describe('a target that cannot be used', () => {
  it('exits 9 when nothing answers at --target <host>:<port>, and when --files names no folder', async () => {
    const port = await freePort()
    const unreachable = await runProcess('node', [SOCKLAB_BIN, 'scenario', 'run', 'echo', '--target', `127.0.0.1:${port}`], '')
    expect(unreachable.code).toBe(EXIT.TARGET_UNAVAILABLE)
    expect(unreachable.stderr).toMatch(/target cannot be used: the server cannot be reached: .*ECONNREFUSED/)
    const noFiles = await runProcess('node', [SOCKLAB_BIN, 'scenario', 'run', 'echo', '--target', 'local', '--files', '/nonexistent/files'], '')
    expect(noFiles.code).toBe(EXIT.TARGET_UNAVAILABLE)
    expect(noFiles.stderr).toContain('the files folder /nonexistent/files does not exist')
  })
})
