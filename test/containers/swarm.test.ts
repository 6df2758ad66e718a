import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { EXIT } from '../../src/index.js'
import { labCli } from '../helpers/labs.js'
import { SOCKLAB_BIN, runProcess } from '../helpers/processes.js'
import { docker } from './helpers/docker-engine.js'

/**
 * The lab on Docker Swarm, on a one-node swarm made for the test (and left again, if the test made it):
 * the stack deployed from docker-stack.yml, four client replicas against a server that admits three, the
 * verdict read from the clients' exit codes and the server's console, and everything removed by `lab down`.
 */
let madeSwarm = false

beforeAll(async () => {
  const info = (await docker.info()) as { Swarm?: { LocalNodeState?: string } }
  if (info.Swarm?.LocalNodeState !== 'active') {
    const init = spawnSync('docker', ['swarm', 'init', '--advertise-addr', '127.0.0.1'], { encoding: 'utf8' })
    expect(init.status, init.stderr).toBe(0)
    madeSwarm = true
  }
})

afterAll(() => {
  if (madeSwarm) spawnSync('docker', ['swarm', 'leave', '--force'], { stdio: 'ignore' })
})

describe('socklab lab up --engine swarm', () => {
  it('runs the scale demo: three clients served, one turned away, wherever they land; down removes the stack', { timeout: 240_000 }, async () => {
    await using cli = await labCli()
    const name = `swarm-${randomBytes(3).toString('hex')}`
    const stack = `socklab-${name}`
    const up = await cli.run('up', '--engine', 'swarm', '--name', name, '--image', inject('image'), '--clients', '4', '--max-clients', '3')
    expect(up.code, up.stdout + up.stderr).toBe(EXIT.OK)
    expect(up.stdout).toContain('3 served, 1 turned away, of 4 clients')
    expect(up.stdout).toMatch(new RegExp(`^ {2}server {2}${stack}_server\\.1 on node \\S+, running$`, 'm'))
    expect(up.stdout.match(/^ {2}client {2}\S+ on node \S+: /gm)).toHaveLength(4)
    // The server's own console says the same: three connected, one rejected from an overlay address.
    const log = up.stdout.slice(up.stdout.indexOf('server log:'))
    expect(log.match(/Client0\d connected from \('10\.\d+\.\d+\.\d+', \d+\)/g)).toHaveLength(3)
    expect(log.match(/Rejected connection from \('10\.\d+\.\d+\.\d+', \d+\)\. Server is full\./g)).toHaveLength(1)
    console.log(`[measure] swarm scale demo, deploy to verdict: ${/from deploy to verdict: ([\d.]+) s/.exec(up.stdout)![1]} s`)

    // The engine in a swarm has networks with no labels at all: the sweeps of other runs take them in stride.
    const clean = await runProcess('node', [SOCKLAB_BIN, 'clean'], '')
    expect(clean.code, clean.stderr).toBe(EXIT.OK)
    const status = await cli.run('status', '--name', name, '--json')
    expect(JSON.parse(status.stdout)).toMatchObject({ stack, served: 3, rejected: 1, finished: true })
    const again = await cli.run('up', '--engine', 'swarm', '--name', name, '--image', inject('image'))
    expect(again.code).toBe(EXIT.USAGE)
    expect(again.stderr).toContain(`a lab named ${name} is up`)
    const exec = await cli.run('exec', '--name', name, 'c1', 'connect')
    expect(exec.code).toBe(EXIT.USAGE)
    expect(exec.stderr).toContain('runs on Docker Swarm')

    const down = await cli.run('down', '--name', name)
    expect(down.stdout.trim()).toBe(`lab ${name} is down`)
    const filters = { label: [`com.docker.stack.namespace=${stack}`] }
    expect(await docker.listServices({ filters })).toEqual([])
    expect(await docker.listNetworks({ filters })).toEqual([])
    expect(await docker.listContainers({ all: true, filters })).toEqual([])
    expect((await cli.run('down', '--name', name)).code).toBe(EXIT.OK)
  })
})
