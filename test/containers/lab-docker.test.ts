import { readdir, rm } from 'node:fs/promises'
import { describe, expect, inject, it } from 'vitest'
import { clientAsWritten, originalAsWritten } from '../helpers/as-written.js'
import { EXIT, LABEL } from '../../src/index.js'
import { labCli } from '../helpers/labs.js'
import { docker } from './helpers/docker-engine.js'

/**
 * A lab that stays up on the docker target: the server and idle client containers on a network of the lab's
 * own; `exec` drives them between calls; `down` leaves nothing labelled behind. Also with the original
 * Python server in socklab's place, its console read by its adapter.
 */
const labelled = async (run: string) => ({
  containers: (await docker.listContainers({ all: true })).filter((c) => c.Labels[LABEL.run]?.startsWith(run)).map((c) => c.Names[0]),
  networks: (await docker.listNetworks()).filter((n) => n.Labels?.[LABEL.run]?.startsWith(run)).map((n) => n.Name),
})

describe('socklab lab on the docker target', () => {
  it('up with idle client containers, exec, status, down leaving nothing behind', { timeout: 120_000 }, async () => {
    await using cli = await labCli()
    const up = await cli.run('up', '--target', 'docker', '--image', inject('image'), '--name', 'dock', '--clients', '2', '--max-clients', '2')
    expect(up.code, up.stderr).toBe(EXIT.OK)
    expect(up.stdout).toMatch(/^ {2}server {2}socklab at (\d+\.){3}\d+:12345; slots 0 of 2 taken$/m)
    const before = await labelled('lab-dock-')
    // The server and one idle (standby) container per client, on the lab's own network.
    expect(before.containers).toHaveLength(3)
    expect(before.networks).toHaveLength(1)

    expect((await cli.run('exec', '--name', 'dock', 'c1', 'connect')).stdout).toMatch(/^c1 connected as Client01 from (\d+\.){3}\d+:\d+ \(framed mode\)$/m)
    expect((await cli.run('exec', '--name', 'dock', 'c2', 'connect')).code).toBe(EXIT.OK)
    const third = await cli.run('exec', '--name', 'dock', 'c3', 'connect')
    expect(third.code).toBe(EXIT.SERVER_FULL)
    expect((await cli.run('exec', '--name', 'dock', 'c1', 'get', 'socklab.png')).stdout).toMatch(/^saved socklab\.png \(8334 bytes, sha256 [0-9a-f]{64}\)$/m)
    expect((await cli.run('exec', '--name', 'dock', 'c2', 'status')).stdout).toMatch(/^Client01: .*\nClient02: /)
    const view = JSON.parse((await cli.run('status', '--name', 'dock', '--json')).stdout) as { target: string; slots: Array<{ holder?: { client?: string; address: string } }> }
    expect(view.target).toBe('docker')
    expect(view.slots.map((s) => s.holder?.client)).toEqual(['c1', 'c2'])
    expect(view.slots[0]!.holder!.address).not.toBe('127.0.0.1')

    // The engine's events for the lab's containers are on its timeline: the rejected client's container
    // started and ended with exit code 3.
    const timeline = (JSON.parse((await cli.run('status', '--name', 'dock', '--json')).stdout) as { timeline: Array<{ text: string }> }).timeline.map((e) => e.text)
    expect(timeline).toEqual(expect.arrayContaining([expect.stringMatching(/^container socklab-lab-dock-\w+-c3-1: die \(exit 3\)$/)]))
    expect((await cli.run('down', '--name', 'dock')).stdout.trim()).toBe('lab dock is down')
    expect(await labelled('lab-dock-')).toEqual({ containers: [], networks: [] })
    expect((await cli.run('down', '--name', 'dock')).code).toBe(EXIT.OK)
  })

  it('runs the original Python server in its image, with client names read from its console', { timeout: 120_000 }, async () => {
    await using cli = await labCli()
    const up = await cli.run('up', '--target', 'docker', '--image', inject('image'), '--name', 'orig', '--server', 'original', '--clients', '1')
    expect(up.code, up.stderr).toBe(EXIT.OK)
    expect(up.stdout).toMatch(/server {2}original at (\d+\.){3}\d+:12345; slots 0 of 3 taken/)
    expect((await cli.run('exec', '--name', 'orig', 'c1', 'connect')).stdout).toMatch(/^c1 connected as Client01 from .* \(compat mode\)$/m)
    expect((await cli.run('exec', '--name', 'orig', 'c1', 'hi')).stdout.trim()).toBe('hi ACK')
    expect((await cli.run('down', '--name', 'orig')).code).toBe(EXIT.OK)
    expect(await labelled('lab-orig-')).toEqual({ containers: [], networks: [] })
  })
  it("lays a lab out as the seed's rooms around the original as written, with its own client.py as a client, and draws them", { timeout: 120_000 }, async () => {
    const folder = await originalAsWritten('192.168.2.53')
    await clientAsWritten(folder, '192.168.2.53')
    try {
      await using cli = await labCli()
      const up = await cli.run('up', '--target', 'docker', '--image', inject('image'), '--name', 'seed', '--server', folder, '--topology', 'seed-lab', '--clients', '2', '--client-py', folder)
      expect(up.code, up.stderr).toBe(EXIT.OK)
      expect(up.stdout).toMatch(/server {2}\S+ at 192\.168\.2\.53:12345; slots 0 of 3 taken/)
      expect((await cli.run('exec', '--name', 'seed', 'c1', 'connect')).stdout).toMatch(/^c1 connected as Client01 from 10\.0\.0\.\d+:\d+ \(compat mode\)$/m)
      expect((await cli.run('exec', '--name', 'seed', 'c2', 'connect')).stdout).toMatch(/^c2 connected as Client02 from 10\.49\.189\.\d+:\d+ \(compat mode\)$/m)
      // The student's client.py, unchanged, from the lab room through the router: typed on, read until its next prompt.
      const started = await cli.run('exec', '--name', 'seed', 'student', 'connect')
      expect(started.code, started.stderr).toBe(EXIT.OK)
      expect(started.stdout).toMatch(/^Connected to server\. Type messages.*\n+You:$/m)
      expect((await cli.run('exec', '--name', 'seed', 'student', 'hello', 'there')).stdout.trim()).toBe('Server: hello there ACK\nYou:')
      const student = (JSON.parse((await cli.run('status', '--name', 'seed', '--json')).stdout) as { clients: Array<{ name: string; state: string; program?: string; address?: string }> }).clients.find((c) => c.name === 'student')
      expect(student).toMatchObject({ state: 'connected', program: 'client.py', address: expect.stringMatching(/^10\.0\.0\.\d+$/) })
      const left = await cli.run('exec', '--name', 'seed', 'student', 'exit')
      expect(left.stdout.trim()).toBe('Disconnected from server.\n(client.py ended, exit 0)')
      expect((await readdir(folder)).sort()).toEqual(['client.py', 'server.py'])
      const view = JSON.parse((await cli.run('status', '--name', 'seed', '--json')).stdout) as { rooms: Array<{ name: string; clients: string[]; server: boolean; router?: string }> }
      expect(view.rooms.map((r) => [r.name, r.server, r.clients, r.router])).toEqual([
        ['server-room', true, [], '192.168.2.254'],
        ['lab-room', false, ['c1', 'student'], '10.0.0.254'],
        ['library', false, ['c2'], '10.49.189.254'],
      ])
      const graph = (await cli.run('graph', '--name', 'seed')).stdout
      expect(graph).toContain('subgraph room_server_room["server-room 192.168.2.0/24"]')
      expect(graph).toContain('room_library ---|10.49.189.254| router')
      expect(graph).toMatch(/client_c2 -->\|slot 2\| server/)
      expect((await cli.run('down', '--name', 'seed')).code).toBe(EXIT.OK)
      expect(await labelled('lab-seed-')).toEqual({ containers: [], networks: [] })
    } finally {
      await rm(folder, { recursive: true, force: true })
    }
  })
})
