import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { describe, expect, inject, it } from 'vitest'
import { EventStream } from '../../src/index.js'
import { TEST_PROJECT_PREFIX, docker } from './helpers/docker-engine.js'
import { containerOutput } from './helpers/socklab-containers.js'

const root = fileURLToPath(new URL('../..', import.meta.url))

describe('the compose demo: docker compose up --scale client=4', () => {
  it('admits three clients, rejects exactly one, and is torn down completely', async () => {
    const project = `${TEST_PROJECT_PREFIX}${randomBytes(4).toString('hex')}`
    const octet = 100 + (randomBytes(1)[0]! % 150)
    const env = {
      ...process.env,
      SOCKLAB_IMAGE: inject('image'),
      SOCKLAB_LOG_FORMAT: 'json',
      SOCKLAB_SUBNET: `10.77.${octet}.0/24`,
      SOCKLAB_SERVER_IP: `10.77.${octet}.10`,
    }
    const compose = (...args: string[]) =>
      spawnSync('docker', ['compose', '--ansi', 'never', '-p', project, ...args], { cwd: root, env, encoding: 'utf8', timeout: 120_000 })
    try {
      const up = compose('up', '-d', '--wait', 'server')
      expect(up.status, up.stderr).toBe(0)
      compose('up', '--scale', 'client=4', '--no-recreate', 'client')

      const ps = compose('ps', '-a', '--format', '{{.Service}} {{.ExitCode}} {{.State}}', 'client')
      const clients = ps.stdout.trim().split('\n').map((line) => line.split(' '))
      expect(clients).toHaveLength(4)
      expect(clients.every(([, , state]) => state === 'exited')).toBe(true)
      const codes = clients.map(([, code]) => Number(code)).sort()
      expect(codes).toEqual([0, 0, 0, 3])

      const [server] = await docker.listContainers({
        all: true,
        filters: { label: [`com.docker.compose.project=${project}`, 'com.docker.compose.service=server'] },
      })
      const log = new EventStream()
      log.feed((await containerOutput(server!.Id)).stdout)
      expect(log.all('client_connected')).toHaveLength(3)
      const rejected = log.all('client_rejected')
      expect(rejected).toHaveLength(1)
      expect(rejected[0]!.address).toMatch(new RegExp(`^10\\.77\\.${octet}\\.\\d+$`))
      expect(rejected[0]!.msg).toBe(`Rejected connection from ('${rejected[0]!.address}', ${rejected[0]!.port}). Server is full.`)
      expect(log.all('transfer_completed', { file: 'socklab.png' })).toHaveLength(3)
      expect(log.all('client_disconnected', { reason: 'exit' })).toHaveLength(3)
    } finally {
      const down = compose('down', '-t', '5', '--remove-orphans')
      expect(down.status, down.stderr).toBe(0)
    }
    const left = (await docker.listContainers({ all: true })).filter((c) => c.Labels['com.docker.compose.project'] === project)
    expect(left).toEqual([])
    const networks = (await docker.listNetworks()).filter((n) => n.Name.startsWith(project))
    expect(networks).toEqual([])
  })
})
