import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { currentOwner, EXIT, LABEL, ownerLabels } from '../../src/index.js'
import { startLongRun } from '../helpers/interrupts.js'
import { SOCKLAB_BIN, runProcess, spawnProcess } from '../helpers/processes.js'
import { docker } from './helpers/docker-engine.js'

const byOwner = (pid: number) => ({ label: [`${LABEL.pid}=${pid}`] })

describe('an interrupted scenario run (docker target)', () => {
  it('on SIGINT removes its containers (its capture too), network and temporary folders, keeps no bundle, and exits 130', async () => {
    const logs = await mkdtemp(join(tmpdir(), 'interrupt-logs-'))
    await using long = await startLongRun('docker', ['--image', inject('image'), '--logs-dir', logs])
    const pid = long.run.child.pid!
    const running = await docker.listContainers({ all: true, filters: byOwner(pid) })
    expect(running.length).toBeGreaterThan(0)
    expect(running.flatMap((c) => c.Names).some((name) => name.endsWith('-capture')), 'a capture container').toBe(true)
    expect((await docker.listNetworks({ filters: byOwner(pid) })).length).toBe(1)
    const started = performance.now()
    long.run.child.kill('SIGINT')
    const done = await long.run.exited
    const cleanupMs = Math.round(performance.now() - started)
    console.log(`[measure] Ctrl-C to a clean exit on the docker target: ${cleanupMs} ms`)
    expect(done.code).toBe(EXIT.INTERRUPTED)
    expect(await docker.listContainers({ all: true, filters: byOwner(pid) })).toEqual([])
    expect(await docker.listNetworks({ filters: byOwner(pid) })).toEqual([])
    expect(await long.leftFolders()).toEqual([])
    expect(await readdir(logs)).toEqual([])
    await rm(logs, { recursive: true, force: true })
  })
})

describe('an interrupted demo on containers', () => {
  it('on SIGINT while the clients hold their slots takes its compose project down, volume included, and exits 130', async () => {
    const project = { label: ['com.docker.compose.project=socklab-demo'] }
    // Far apart: the interrupt comes while the first client holds its slot and the others have not started.
    const run = spawnProcess('node', [SOCKLAB_BIN, 'demo', '--image', inject('image'), '--stagger-ms', '60000'], { env: { NO_COLOR: '1' } })
    try {
      await run.waitForOutput('Client01 received socklab.png')
      expect((await docker.listContainers({ all: true, filters: project })).length).toBeGreaterThan(0)
      run.child.kill('SIGINT')
      const done = await run.exited
      expect(done.code, done.stdout + done.stderr).toBe(EXIT.INTERRUPTED)
      expect(await docker.listContainers({ all: true, filters: project })).toEqual([])
      expect(await docker.listNetworks({ filters: project })).toEqual([])
      expect((await docker.listVolumes({ filters: project })).Volumes ?? []).toEqual([])
    } finally {
      await run[Symbol.asyncDispose]()
    }
  }, 120_000)
})

describe('socklab clean (docker)', () => {
  it('removes the containers and networks of owners that are gone, and nothing a running process owns', async () => {
    const gone = ownerLabels('scenario', 'planted-gone', { host: hostname(), boot: '', pid: 4_000_000, start: '1' })
    const alive = ownerLabels('scenario', 'planted-alive', currentOwner())
    const network = await docker.createNetwork({ Name: `socklab-planted-${process.pid}`, Labels: gone })
    const leftover = await docker.createContainer({ Image: inject('image'), name: `socklab-planted-gone-${process.pid}`, Labels: gone })
    const kept = await docker.createContainer({ Image: inject('image'), name: `socklab-planted-alive-${process.pid}`, Labels: alive })
    try {
      const run = await runProcess('node', [SOCKLAB_BIN, 'clean'], '')
      expect(run.code).toBe(0)
      expect(run.stdout).toContain(`removed container socklab-planted-gone-${process.pid} (made by pid 4000000 on ${hostname()})`)
      expect(run.stdout).toContain(`removed network socklab-planted-${process.pid}`)
      await expect(leftover.inspect()).rejects.toThrow()
      await expect(network.inspect()).rejects.toThrow()
      expect((await kept.inspect()).Name).toBe(`/socklab-planted-alive-${process.pid}`)
    } finally {
      await kept.remove({ force: true }).catch(() => undefined)
      await leftover.remove({ force: true }).catch(() => undefined)
      await network.remove().catch(() => undefined)
    }
  })
})
