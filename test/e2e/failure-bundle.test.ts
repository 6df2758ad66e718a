import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT } from '../../src/index.js'
import { SOCKLAB_BIN, runProcess } from '../helpers/processes.js'

/**
 * The failure bundle as a user meets it, through `socklab scenario run` on the local target: what a failed
 * scenario leaves beside its report (a capture tshark reads, the timeline, the log slice, transcripts), how
 * the reports link it, and what --capture and a machine without tcpdump change.
 */
const FIXTURES = fileURLToPath(new URL('../fixtures/scenarios/', import.meta.url))
let dir: string

const socklab = (args: string[], env: NodeJS.ProcessEnv = process.env) => runProcess(process.execPath, [SOCKLAB_BIN, 'scenario', 'run', '--target', 'local', '--dir', 'scenarios', ...args], '', env, dir)

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'socklab-bundle-'))
  await mkdir(join(dir, 'scenarios'))
  await copyFile(join(FIXTURES, 'wrong-expectation.yaml'), join(dir, 'scenarios', 'wrong-expectation.yaml'))
  await copyFile(fileURLToPath(new URL('../../scenarios/echo.yaml', import.meta.url)), join(dir, 'scenarios', 'echo.yaml'))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('the failure bundle of a failed scenario (local target)', () => {
  it('keeps a capture of the server port that tshark reads, holding the failing exchange, and links it from the reports', async () => {
    const run = await socklab(['wrong-expectation', '--report', 'html=out/report.html', '--report', 'junit=out/junit.xml'])
    expect(run.code, run.stdout + run.stderr).toBe(EXIT.SCENARIO_FAILED)
    const bundle = join(dir, 'out', 'wrong-expectation-logs')
    expect(run.stdout).toMatch(/failure bundle: out\/wrong-expectation-logs\/\n {4}capture\.pcap: \d+ TCP packets \(loopback, tcp port \d+\)/)
    expect((await readdir(bundle)).sort()).toEqual(['capture.pcap', 'client-a-1.log', 'server-around-failure.log', 'server.log', 'timeline.txt'])

    // The failing connection, as the server logged its client's port: its handshake and the reply the step got.
    const connected = (await readFile(join(bundle, 'server.log'), 'utf8')).split('\n').find((l) => l.includes('"client_connected"'))!
    const port = (JSON.parse(connected) as { port: number }).port
    const read = spawnSync('tshark', ['-r', join(bundle, 'capture.pcap'), '-Y', `tcp.port == ${port}`, '-T', 'fields', '-e', 'tcp.flags.syn', '-e', 'tcp.payload'], { encoding: 'utf8' })
    expect(read.status, read.stderr).toBe(0)
    const rows = read.stdout.trim().split('\n').map((line) => line.split('\t'))
    expect(rows.some(([syn]) => syn === '1' || syn === 'True')).toBe(true)
    expect(rows.map(([, payload]) => Buffer.from(payload ?? '', 'hex').toString('latin1')).join('')).toContain('ping ACK')

    const timeline = await readFile(join(bundle, 'timeline.txt'), 'utf8')
    expect(timeline).toMatch(/step +line 7: send a: ping — failed/)
    expect(timeline).toMatch(/message +server → a: ping ACK/)
    expect(timeline).toMatch(/packet +server → 127\.0\.0\.1:\d+: PSH ACK \d+ B ascii: .*ping ACK/)
    expect(timeline).toMatch(/server +client_connected: /)
    expect(await readFile(join(bundle, 'server-around-failure.log'), 'utf8')).toContain('"event":"client_connected"')

    // The HTML report links every file relative to itself, and shows the packets in its timeline.
    const html = await readFile(join(dir, 'out', 'report.html'), 'utf8')
    const links = [...html.matchAll(/<a href="(wrong-expectation-logs\/[^"]+)"/g)].map((m) => m[1]!)
    expect(links.sort()).toEqual(['wrong-expectation-logs/capture.pcap', 'wrong-expectation-logs/client-a-1.log', 'wrong-expectation-logs/server-around-failure.log', 'wrong-expectation-logs/server.log', 'wrong-expectation-logs/timeline.txt'])
    for (const link of links) expect(existsSync(join(dir, 'out', link))).toBe(true)
    expect(html).toMatch(/<li class="packet">.*ping ACK/)
    // JUnit names the bundle in the failure and attaches each file as Jenkins and GitLab read it.
    const junit = await readFile(join(dir, 'out', 'junit.xml'), 'utf8')
    expect(junit).toContain(`[[ATTACHMENT|${join(bundle, 'capture.pcap')}]]`)
    expect(junit).toMatch(/failure bundle: out\/wrong-expectation-logs\/capture\.pcap, /)
  })

  it('keeps nothing of a passed scenario unless --capture always, and no capture with --capture never', async () => {
    const passed = await socklab(['echo', '--report', 'junit=passed/junit.xml'])
    expect(passed.code, passed.stdout + passed.stderr).toBe(EXIT.OK)
    expect(await readdir(join(dir, 'passed'))).toEqual(['junit.xml'])

    const always = await socklab(['echo', '--report', 'junit=always/junit.xml', '--capture', 'always'])
    expect(always.code, always.stdout + always.stderr).toBe(EXIT.OK)
    expect((await readdir(join(dir, 'always', 'echo-logs'))).sort()).toContain('capture.pcap')
    expect(spawnSync('tshark', ['-r', join(dir, 'always', 'echo-logs', 'capture.pcap')], { encoding: 'utf8' }).stdout).toMatch(/\[SYN\]/)

    const never = await socklab(['wrong-expectation', '--report', 'junit=never/junit.xml', '--capture', 'never'])
    expect(never.code).toBe(EXIT.SCENARIO_FAILED)
    expect(never.stdout).toContain('no capture: not captured (--capture never)')
    expect(existsSync(join(dir, 'never', 'wrong-expectation-logs', 'capture.pcap'))).toBe(false)
    expect(existsSync(join(dir, 'never', 'wrong-expectation-logs', 'timeline.txt'))).toBe(true)
  })

  it('runs on, saying why, where this machine has no tcpdump; refuses a capture with nowhere to keep it', async () => {
    // A PATH holding only node: no tcpdump to be found.
    const bin = join(dir, 'bin')
    await mkdir(bin, { recursive: true })
    await symlink(process.execPath, join(bin, 'node')).catch(() => undefined)
    const run = await socklab(['wrong-expectation', '--report', 'junit=bare/junit.xml'], { ...process.env, PATH: bin })
    expect(run.code, run.stdout + run.stderr).toBe(EXIT.SCENARIO_FAILED)
    expect(run.stdout).toContain('no capture: not captured: this machine has no tcpdump (apt-get install tcpdump)')
    expect(run.stdout).toContain('expected: ping')

    const nowhere = await socklab(['echo', '--capture', 'always'])
    expect(nowhere.code).toBe(EXIT.USAGE)
    expect(nowhere.stderr).toContain('--capture always keeps its capture in a failure bundle beside the report: give --report or --logs-dir too')
  })
})
