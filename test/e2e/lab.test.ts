import { readdir } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { EXIT } from '../../src/index.js'
import { ownerState } from '../../src/ownership/owner.js'
import { labCli } from '../helpers/labs.js'
import { ORIGINAL_CLIENT } from '../helpers/processes.js'

/**
 * A lab that stays up, on the local target: `lab up` returns once its owner (a background process) has the
 * server listening; `exec` drives clients that keep their names and connections between calls; `status`,
 * `graph` and `down` talk to the owner; `down` leaves nothing behind and is idempotent.
 */
describe('socklab lab on the local target', () => {
  it('up, exec (connect, a command, get, a full server, a reset), status, graph, down', { timeout: 60_000 }, async () => {
    await using cli = await labCli()
    const up = await cli.run('up', '--target', 'local', '--name', 'class', '--clients', '2', '--max-clients', '2')
    expect(up.code, up.stderr).toBe(EXIT.OK)
    expect(up.stdout).toMatch(/^lab class on the local target \(owner pid (\d+); dashboard http:\/\/127\.0\.0\.1:\d+\/\)$/m)
    expect(up.stdout).toContain('slots 0 of 2 taken')
    const status = async () => JSON.parse((await cli.run('status', '--name', 'class', '--json')).stdout) as { slots: Array<{ holder?: { name: string; client?: string } }>; clients: Array<{ name: string; state: string; serverName?: string; slot?: number }> }

    const c1 = await cli.run('exec', '--name', 'class', 'c1', 'connect')
    expect(c1.stdout).toMatch(/^c1 connected as Client01 from 127\.0\.0\.1:\d+ \(framed mode\)$/m)
    expect((await cli.run('exec', '--name', 'class', 'c1', 'hello', 'lab')).stdout.trim()).toBe('hello lab ACK')
    // The connection lasted between the calls: the same client, the same name.
    expect((await cli.run('exec', '--name', 'class', 'c1', 'status')).stdout).toMatch(/^Client01: /)
    expect((await cli.run('exec', '--name', 'class', 'c1', 'get', 'hello.txt')).stdout).toMatch(/^saved hello\.txt \(\d+ bytes, sha256 [0-9a-f]{64}\)$/m)
    const missing = await cli.run('exec', '--name', 'class', 'c1', 'get', 'nothing-here.txt')
    expect(missing.code).toBe(EXIT.TRANSFER_FAILED)
    expect(missing.stdout).toContain('FILE_NOT_FOUND')
    expect((await cli.run('exec', '--name', 'class', 'c2', 'connect')).code).toBe(EXIT.OK)
    // A client that is not there yet is added; the server is full.
    const c3 = await cli.run('exec', '--name', 'class', 'c3', 'connect')
    expect(c3.code).toBe(EXIT.SERVER_FULL)
    expect(c3.stdout.trim()).toBe('c3 was turned away: Server is full. Try again later.')
    let view = await status()
    expect(view.slots.map((s) => s.holder?.client)).toEqual(['c1', 'c2'])
    expect(view.clients.map((c) => [c.name, c.state])).toEqual([['c1', 'connected'], ['c2', 'connected'], ['c3', 'rejected']])

    expect((await cli.run('exec', '--name', 'class', 'c1', 'disconnect', 'reset')).stdout.trim()).toBe('c1 disconnected (reset)')
    // Its slot is free once the server has seen the reset (its event reaches the owner's state).
    for (let tries = 0; (view = await status()).slots[0]!.holder !== undefined && tries < 50; tries += 1) await new Promise((r) => setImmediate(r))
    expect(view.slots[0]!.holder).toBeUndefined()
    const again = await cli.run('exec', '--name', 'class', 'c3', 'connect')
    expect(again.stdout).toMatch(/^c3 connected as Client03 /m)
    expect((await status()).slots.map((s) => s.holder?.client)).toEqual(['c3', 'c2'])

    const graph = await cli.run('graph', '--name', 'class')
    expect(graph.stdout).toContain('flowchart LR')
    expect(graph.stdout).toMatch(/client_c3 -->\|slot 1\| server/)
    expect(graph.stdout).toMatch(/client_c1 -\.- server/)
    const svg = await cli.run('graph', '--name', 'class', '--format', 'svg')
    expect(svg.stdout).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/)

    const bad = await cli.run('exec', '--name', 'class', 'c2', 'disconnect', 'politely')
    expect(bad.code).toBe(EXIT.USAGE)
    expect(bad.stderr).toContain('disconnect takes exit, close, reset, kill, not politely')

    const pid = Number(/owner pid (\d+)/.exec(up.stdout)![1])
    const down = await cli.run('down', '--name', 'class')
    expect(down.stdout.trim()).toBe('lab class is down')
    expect(ownerState({ host: (await import('node:os')).hostname(), boot: '', pid, start: '' })).toBe('gone')
    expect(await readdir(cli.dir)).toEqual([])
    const twice = await cli.run('down', '--name', 'class')
    expect(twice.code).toBe(EXIT.OK)
    expect(twice.stdout.trim()).toBe('no lab named class is up: nothing to take down')
    const gone = await cli.run('status', '--name', 'class')
    expect(gone.code).toBe(EXIT.USAGE)
    expect(gone.stderr).toContain('no lab named class is up')
  })

  it('keeps labs side by side by name, refuses a second lab of the same name, and cleans up after a killed owner', { timeout: 60_000 }, async () => {
    await using cli = await labCli()
    expect((await cli.run('up', '--target', 'local', '--name', 'one', '--clients', '1')).code).toBe(EXIT.OK)
    expect((await cli.run('up', '--target', 'local', '--name', 'two', '--clients', '1')).code).toBe(EXIT.OK)
    const same = await cli.run('up', '--target', 'local', '--name', 'one')
    expect(same.code).toBe(EXIT.USAGE)
    expect(same.stderr).toContain('a lab named one is up')
    expect((await cli.run('exec', '--name', 'one', 'c1', 'connect')).stdout).toMatch(/as Client01/)
    expect((await cli.run('exec', '--name', 'two', 'c1', 'connect')).stdout).toMatch(/as Client01/)
    // The owner of `two` is killed outright: its lab is reported gone, and `down` removes what it left.
    const two = JSON.parse((await cli.run('status', '--name', 'two', '--json')).stdout) as { server: { address: string } }
    const record = JSON.parse(await (await import('node:fs/promises')).readFile(`${cli.dir}/two.json`, 'utf8')) as { owner: { pid: number } }
    process.kill(record.owner.pid, 'SIGKILL')
    while (ownerState({ ...record.owner, host: (await import('node:os')).hostname(), boot: '', start: '' }) !== 'gone') await new Promise((r) => setTimeout(r, 20))
    const lost = await cli.run('status', '--name', 'two')
    expect(lost.code).toBe(EXIT.TARGET_UNAVAILABLE)
    expect(lost.stderr).toContain(`lab two is not running (its owner, pid ${record.owner.pid}, is gone)`)
    expect(two.server.address).toMatch(/^127\.0\.0\.1:\d+$/)
    expect((await cli.run('down', '--name', 'two')).stdout.trim()).toBe('lab two is down')
    expect((await cli.run('down', '--name', 'one')).stdout.trim()).toBe('lab one is down')
    expect(await readdir(cli.dir)).toEqual([])
  })
})

describe('restarting a lab\'s server (the dashboard\'s Restart server)', () => {
  it('stops the server with its clients told, starts it on the same address, and the clients connect again', { timeout: 30_000 }, async () => {
    await using cli = await labCli()
    const up = await cli.run('up', '--target', 'local', '--name', 'rs', '--clients', '1', '--dashboard')
    const url = /^Dashboard: (\S+)$/m.exec(up.stdout)![1]!
    try {
      expect((await cli.run('exec', '--name', 'rs', 'c1', 'connect')).stdout).toMatch(/as Client01/)
      const before = JSON.parse((await cli.run('status', '--name', 'rs', '--json')).stdout) as { server: { address: string } }
      const restart = await fetch(new URL('/api/server', url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"action":"restart"}' })
      expect(restart.status).toBe(200)
      const after = JSON.parse((await cli.run('status', '--name', 'rs', '--json')).stdout) as {
        server: { address: string; running: boolean }
        slots: Array<{ holder?: unknown }>
        clients: Array<{ state: string }>
        timeline: Array<{ event?: string }>
      }
      expect(after.server).toMatchObject({ address: before.server.address, running: true })
      expect(after.timeline.filter((e) => e.event === 'listening')).toHaveLength(2)
      expect(after.timeline.some((e) => e.event === 'shutdown')).toBe(true)
      expect(after.slots.every((s) => s.holder === undefined)).toBe(true)
      expect(after.clients[0]!.state).toBe('disconnected')
      // Names begin anew with the new server.
      expect((await cli.run('exec', '--name', 'rs', 'c1', 'connect')).stdout).toMatch(/as Client01/)
    } finally {
      await cli.run('down', '--name', 'rs')
    }
  })
})

describe('a dashboard bound beyond loopback', () => {
  it('is brought up only with a warning, and takes actions from its own origin only', { timeout: 30_000 }, async () => {
    await using cli = await labCli()
    const up = await cli.run('up', '--target', 'local', '--name', 'wide', '--clients', '0', '--dashboard-host', '0.0.0.0', '--dashboard')
    expect(up.code, up.stderr).toBe(EXIT.OK)
    expect(up.stderr).toContain('warning: the dashboard listens on 0.0.0.0: anyone who can reach it can drive this lab')
    const port = new URL(/^Dashboard: (\S+)$/m.exec(up.stdout)![1]!).port
    try {
      const post = (origin: string) =>
        fetch(`http://127.0.0.1:${port}/api/clients`, { method: 'POST', headers: { 'content-type': 'application/json', origin }, body: '{}' })
      expect((await post(`http://127.0.0.1:${port}`)).status).toBe(200)
      expect((await post('http://evil.example')).status).toBe(403)
    } finally {
      await cli.run('down', '--name', 'wide')
    }
  })
})

describe('socklab lab up, interrupted', () => {
  it('stops the owner and leaves no lab, record, log or process behind', { timeout: 30_000 }, async () => {
    await using cli = await labCli()
    const { spawnProcess, SOCKLAB_BIN } = await import('../helpers/processes.js')
    const { readdir: list } = await import('node:fs/promises')
    await using up = spawnProcess('node', [SOCKLAB_BIN, 'lab', 'up', '--target', 'local', '--name', 'intr'], { env: { SOCKLAB_LAB_DIR: cli.dir } })
    up.child.stdin.end()
    // The owner has been started once its log exists; the lab is not up before it says so on its pipe.
    while (!(await list(cli.dir).catch(() => [] as string[])).includes('intr.log')) await new Promise((r) => setImmediate(r))
    up.child.kill('SIGINT')
    const run = await up.exited
    expect(run.code).toBe(EXIT.INTERRUPTED)
    expect(run.stderr).toContain('the lab was not brought up, and what it had made is removed')
    expect(await list(cli.dir)).toEqual([])
    const { spawnSync } = await import('node:child_process')
    expect(spawnSync('pgrep', ['-f', 'lab serve --target local --name intr']).status).toBe(1)
  })
})

describe('socklab lab up --client-py', () => {
  it("refuses to run a student's client.py as a client on this machine, and says why", { timeout: 30_000 }, async () => {
    await using cli = await labCli()
    const up = await cli.run('up', '--target', 'local', '--name', 'py', '--client-py', ORIGINAL_CLIENT)
    expect(up.code).toBe(EXIT.USAGE)
    expect(up.stderr).toContain('client.py (student) runs as written, connecting where its source says, on a host of its own: only the docker target gives it one (on local it would run on this machine, with your rights)')
    // No lab stands: only the owner's log, which the message points to.
    expect(up.stderr).toContain(`(log: ${cli.dir}/py.log)`)
    expect(await readdir(cli.dir)).toEqual(['py.log'])
  })
})
