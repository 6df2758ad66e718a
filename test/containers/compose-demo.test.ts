import { setTimeout as delay } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { EventStream } from '../../src/index.js'
import { composeProject } from './helpers/compose-project.js'
import { docker } from './helpers/docker-engine.js'
import { containerOutput } from './helpers/socklab-containers.js'

describe('the compose demo: docker compose up --scale client=4', () => {
  it('admits three clients, rejects exactly one, and is torn down completely', async () => {
    const { project, octet, compose } = composeProject([], { SOCKLAB_LOG_FORMAT: 'json' })
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
      const down = compose('down', '-t', '5', '--volumes', '--remove-orphans')
      expect(down.status, down.stderr).toBe(0)
    }
    await expectNothingLeft(project)
  })

  it('still turns exactly one away when the client containers start 6 s apart, each holding its slot until the rejection', async () => {
    const { project, compose } = composeProject([], { SOCKLAB_LOG_FORMAT: 'json' })
    try {
      expect(compose('up', '-d', '--wait', 'server').status).toBe(0)
      // One more client container every 6 s, as a slow engine would start them: each admitted one's own
      // session takes well under a second, so only the shared rejection signal keeps the three overlapping.
      for (let scale = 1; scale <= 4; scale += 1) {
        if (scale > 1) await delay(6_000)
        const up = compose('up', '-d', '--no-recreate', '--scale', `client=${scale}`, 'client')
        expect(up.status, up.stderr).toBe(0)
      }
      const clients = await docker.listContainers({ all: true, filters: { label: [`com.docker.compose.project=${project}`, 'com.docker.compose.service=client'] } })
      expect(clients).toHaveLength(4)
      const codes = await Promise.all(clients.map(async (c) => ((await docker.getContainer(c.Id).wait()) as { StatusCode: number }).StatusCode))
      expect(codes.sort()).toEqual([0, 0, 0, 3])
      // The fourth to start was the one turned away.
      const fourth = clients.find((c) => c.Labels['com.docker.compose.container-number'] === '4')!
      expect((await docker.getContainer(fourth.Id).inspect()).State.ExitCode).toBe(3)
    } finally {
      expect(compose('down', '-t', '5', '--volumes', '--remove-orphans').status).toBe(0)
    }
    await expectNothingLeft(project)
  }, 180_000)
})

async function expectNothingLeft(project: string): Promise<void> {
  const left = (await docker.listContainers({ all: true })).filter((c) => c.Labels['com.docker.compose.project'] === project)
  expect(left).toEqual([])
  const networks = (await docker.listNetworks()).filter((n) => n.Name.startsWith(project))
  expect(networks).toEqual([])
  const { Volumes } = await docker.listVolumes()
  expect((Volumes ?? []).filter((v) => v.Name.startsWith(project))).toEqual([])
}
