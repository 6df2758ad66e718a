import { createHash } from 'node:crypto'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { EXIT } from '../../src/index.js'
import { RawClient } from '../helpers/raw-client.js'
import { SOCKLAB_BIN, freePort, runProcess, spawnProcess } from '../helpers/processes.js'
import { session } from '../helpers/sessions.js'
import { startServerProcess } from '../helpers/server-process.js'
import { startTestServer } from '../helpers/test-server.js'

const BANNER =
  "Connected to server. Type messages, 'status' for server status, 'list' for files, 'get <filename>' to download, 'exit' to disconnect."
const scratch: string[] = []
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'socklab-cli-'))
  scratch.push(dir)
  return dir
}
afterEach(async () => {
  await Promise.all(scratch.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})

describe('socklab client (scripted: stdin is not a terminal)', () => {
  it('runs the README example and saves the binary verified', async () => {
    await using t = await startTestServer()
    const dir = await tempDir()
    const run = await runProcess(
      'node',
      [SOCKLAB_BIN, 'client', '--port', String(t.port), '--download-dir', dir],
      'hello\nstatus\nlist\nget socklab.png\nexit\n',
    )
    const png = await readFile(join(t.files, 'socklab.png'))
    const sha = createHash('sha256').update(png).digest('hex')
    expect(run.code).toBe(EXIT.OK)
    const lines = run.stdout.trimEnd().split('\n')
    expect(lines[0]).toBe(BANNER)
    expect(lines[1]).toBe('Server: hello ACK')
    expect(lines[2]).toMatch(/^Server: Client01: \('127\.0\.0\.1', \d+\) - Connected at /)
    expect(lines.slice(3)).toEqual([
      'Server: hello.txt',
      'socklab.png',
      `Server: saved socklab.png (${png.length} bytes, sha256 ${sha})`,
      'Disconnected from server.',
    ])
    expect(await readdir(dir)).toEqual(['socklab.png'])
  })

  it('sends exit by itself at the end of input and exits 0', async () => {
    await using t = await startTestServer()
    const run = await runProcess('node', [SOCKLAB_BIN, 'client', '--port', String(t.port)], 'hello\n')
    expect(run.code).toBe(EXIT.OK)
    expect(run.stdout).toContain('Server: hello ACK\nDisconnected from server.\n')
    await t.log.waitFor('client_disconnected', { reason: 'exit' })
  })

  it('exits 2 with "Could not connect" when nothing listens', async () => {
    const port = await freePort()
    const run = await runProcess('node', [SOCKLAB_BIN, 'client', '--port', String(port)], '')
    expect(run.code).toBe(EXIT.CONNECT_FAILED)
    expect(run.stderr).toMatch(/^Could not connect: connect ECONNREFUSED/)
  })

  it('exits 3 and prints the message when the server is full', async () => {
    await using t = await startTestServer({ maxClients: 1 })
    using holder = await session(t.port)
    expect(holder.clientName).toBe('Client01')
    const run = await runProcess('node', [SOCKLAB_BIN, 'client', '--port', String(t.port)], 'hello\n')
    expect(run.code).toBe(EXIT.SERVER_FULL)
    expect(run.stdout).toBe('Server: Server is full. Try again later.\n')
  })

  it('exits 6 when a get could not be saved, after running the rest', async () => {
    await using t = await startTestServer()
    const run = await runProcess(
      'node',
      [SOCKLAB_BIN, 'client', '--port', String(t.port), '--download-dir', '/nonexistent/folder'],
      'get hello.txt\nhello\n',
    )
    expect(run.code).toBe(EXIT.TRANSFER_FAILED)
    expect(run.stderr).toMatch(/get failed: cannot save hello\.txt in \/nonexistent\/folder/)
    expect(run.stdout).toContain('Server: hello ACK')
  })

  it('refuses unknown options with exit 1', async () => {
    const run = await runProcess('node', [SOCKLAB_BIN, 'client', '--colour', 'blue'], '')
    expect(run.code).toBe(EXIT.USAGE)
    expect(run.stderr).toMatch(/Unknown argument/)
  })
})

describe('socklab server', () => {
  it('takes limits from SOCKLAB_ environment variables', async () => {
    await using server = await startServerProcess(['--files', 'server_files'], [], { SOCKLAB_MAX_CLIENTS: '1' })
    expect((await server.log.waitFor('listening')).maxClients).toBe(1)
    using first = await session(server.port)
    await expect(session(server.port)).rejects.toMatchObject({ code: 'SOCKLAB_SERVER_FULL' })
    first.close()
  })

  it('prints only the original console lines with --log-format plain', async () => {
    const spawned = spawnProcess('node', [SOCKLAB_BIN, 'server', '--port', '0', '--log-format', 'plain', '--max-clients', '1'])
    await spawned.waitForOutput('Server listening on 0.0.0.0:')
    const port = Number(/0\.0\.0\.0:(\d+)/.exec(spawned.stdout())![1])
    const first = await RawClient.connect(port)
    const firstPort = first.socket.localPort
    first.send('hello')
    await first.reply('hello ACK')
    const second = await RawClient.connect(port)
    await second.closed()
    first.send('exit')
    await spawned.waitForOutput('Client01 disconnected.')
    spawned.child.kill('SIGTERM')
    const run = await spawned.exited
    expect(run.code).toBe(0)
    expect(run.stdout.trimEnd().split('\n')).toEqual([
      `Server listening on 0.0.0.0:${port}`,
      `Client01 connected from ('127.0.0.1', ${firstPort})`,
      expect.stringMatching(/^Rejected connection from \('127\.0\.0\.1', \d+\)\. Server is full\.$/),
      'Client01 disconnected.',
    ])
  })

  it('on SIGTERM tells framed clients why, closes everyone and exits 0 within 2 s', async () => {
    const dir = await tempDir()
    await using server = await startServerProcess(['--files', 'server_files'])
    const framed = await session(server.port, { downloadDir: dir })
    const raw = await RawClient.connect(server.port)
    raw.send('hello\n')
    await raw.reply('hello ACK\n')
    const started = performance.now()
    server.child.kill('SIGTERM')
    const run = await server.exited
    const elapsed = performance.now() - started
    expect(run.code).toBe(0)
    expect(elapsed).toBeLessThan(2000)
    expect(await framed.closed).toMatch(/server is shutting down \(shutdown\)/)
    await raw.closed()
    expect(server.log.all('shutdown')).toEqual([expect.objectContaining({ signal: 'SIGTERM', clients: 2 })])
    expect(server.log.all('client_disconnected', { reason: 'shutdown' })).toHaveLength(2)
  })
})

describe('socklab scenario with a broken file among good ones', () => {
  async function folder() {
    const dir = await tempDir()
    const { copyFile, writeFile } = await import('node:fs/promises')
    await copyFile(new URL('../../scenarios/echo.yaml', import.meta.url), join(dir, 'echo.yaml'))
    await writeFile(join(dir, 'typo.yaml'), 'clients: [a]\nsteps:\n  - connect: a\n  - wait_event: { event: client_disconnected, where: { reson: exit } }\n')
    await writeFile(join(dir, 'not-yaml.yaml'), 'clients: [a\n')
    return dir
  }

  it('list shows every scenario and every broken file with its error (exit 1); none hides the others', async () => {
    const dir = await folder()
    const run = await runProcess('node', [SOCKLAB_BIN, 'scenario', 'list', '--dir', dir], '')
    expect(run.code).toBe(EXIT.USAGE)
    expect(run.stdout).toMatch(/^echo +2 clients, 10 steps/m)
    expect(run.stdout).toMatch(/^typo +✗ invalid: .*typo\.yaml:4: steps\[1\]\.wait_event\.where\.reson: .*did you mean reason\?$/m)
    expect(run.stdout).toMatch(/^not-yaml +✗ invalid: .*not-yaml\.yaml:2: not valid YAML/m)
  })

  it('validate reports every file (exit 1), and exit 0 when all are valid', async () => {
    const dir = await folder()
    const run = await runProcess('node', [SOCKLAB_BIN, 'scenario', 'validate', '--dir', dir], '')
    expect(run.code).toBe(EXIT.USAGE)
    expect(run.stdout).toContain('1 valid, 2 invalid')
    const good = await runProcess('node', [SOCKLAB_BIN, 'scenario', 'validate', join(dir, 'echo.yaml')], '')
    expect(good.code, good.stdout).toBe(EXIT.OK)
    expect(good.stdout).toContain('1 valid, 0 invalid')
  })

  it('run --all runs the good ones and reports each broken one as a failed case with its reason (exit 8)', async () => {
    const dir = await folder()
    const report = join(dir, 'report.xml')
    const run = await runProcess('node', [SOCKLAB_BIN, 'scenario', 'run', '--all', '--dir', dir, '--target', 'local', '--report', `junit=${report}`], '')
    expect(run.code, run.stdout + run.stderr).toBe(EXIT.SCENARIO_FAILED)
    expect(run.stdout).toContain('1 passed, 2 failed')
    const xml = await readFile(report, 'utf8')
    expect(xml.match(/<testcase /g)).toHaveLength(3)
    expect(xml).toContain('did you mean reason?')
  })
})
