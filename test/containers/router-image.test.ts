import { randomBytes } from 'node:crypto'
import { realpathSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { LABEL, ownerLabels } from '../../src/index.js'
import { routerImage } from '../../src/docker/router-image.js'
import { addRoutes, startRouter } from '../../src/docker/lab-router.js'
import { importHostImage } from '../../src/docker/host-image.js'
import { demultiplexLog } from '../../src/docker/docker-log.js'
import { docker } from './helpers/docker-engine.js'
import { DockerTarget } from '../../src/scenario/targets/docker-target.js'
import { DEFAULT_SANDBOX } from '../../src/docker/sandbox.js'
import { SocklabError } from '../../src/errors/socklab-error.js'

/**
 * The router image on a machine without a busybox of its own: pulled from the registry (busybox:1.36) and
 * tagged. No registry answers here, so the pull is replayed with an image laid out as that one is (one busybox,
 * every applet a link beside it in /bin, PATH over /bin), and the tagged image is then used as the lab uses it:
 * a router with forwarding on, and the helper that gives a node its routes.
 */
describe('the router image, taken from the registry', () => {
  it('is the pulled busybox, tagged, and routes as the lab runs it', { timeout: 60_000 }, async () => {
    const id = randomBytes(3).toString('hex')
    const registry = `socklab-test/busybox-registry:${id}`
    const image = `socklab-test/router:${id}`
    const labels = ownerLabels('scenario', `router-image-${id}`)
    const busybox = realpathSync('/bin/busybox')
    const applets = [...new Set(spawnSync(busybox, ['--list'], { encoding: 'utf8' }).stdout.trim().split('\n'))].filter((a) => a !== 'busybox')
    const pulled: string[] = []
    const said: string[] = []
    // A subnet the engine picks, then given explicitly (fixed addresses need one given at creation).
    const probe = await docker.createNetwork({ Name: `socklab-router-image-${id}`, Driver: 'bridge', Labels: labels })
    const picked = ((await probe.inspect()) as { IPAM: { Config: Array<{ Subnet: string; Gateway: string }> } }).IPAM.Config[0]!
    await probe.remove()
    const network = await docker.createNetwork({ Name: `socklab-router-image-${id}`, Driver: 'bridge', Labels: labels, IPAM: { Driver: 'default', Config: [picked] } })
    try {
      const made = await routerImage(docker, (m) => said.push(m), {
        image,
        hostBusybox: [],
        registry,
        pull: async (_docker, name) => {
          pulled.push(name)
          await importHostImage(docker, { repo: registry.split(':')[0]!, tag: id, files: [{ name: 'bin/busybox', path: busybox }], links: Object.fromEntries(applets.map((a) => [`bin/${a}`, 'busybox'])), changes: ['ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'CMD ["sh"]'], message: 'a stand-in for the registry busybox' })
        },
      })
      expect(made).toBe(image)
      expect(pulled).toEqual([registry])
      expect(said).toEqual([`pulling ${registry} for the topology's router`])
      expect((await docker.getImage(image).inspect()).Id).toBe((await docker.getImage(registry).inspect()).Id)

      const { Subnet, Gateway } = picked
      const address = Subnet.replace(/\d+\/\d+$/, '200')
      const router = await startRouter(docker, image, `socklab-router-image-${id}-router`, labels, [{ network: `socklab-router-image-${id}`, address }])
      await addRoutes(docker, image, router, [{ subnet: '10.99.0.0/24', via: Gateway }], labels)
      const look = await docker.createContainer({ Image: image, Labels: labels, Cmd: ['sh', '-c', 'ip route; cat /proc/sys/net/ipv4/ip_forward'], HostConfig: { NetworkMode: `container:${router.id}` } })
      await look.start()
      await look.wait()
      const out = demultiplexLog((await look.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer).combined
      await look.remove({ force: true })
      expect(out).toContain(`10.99.0.0/24 via ${Gateway}`)
      expect(out.trim().split('\n').at(-1)).toBe('1')
      await router.remove({ force: true })
    } finally {
      for (const c of await docker.listContainers({ all: true, filters: { label: [`${LABEL.run}=router-image-${id}`] } })) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)
      await network.remove().catch(() => undefined)
      for (const name of [image, registry]) await docker.getImage(name).remove({ force: true }).catch(() => undefined)
    }
  })
})

/**
 * `socklab grade` on a machine with neither a busybox nor a registry: the sandbox's network seal cannot be
 * made, and the class is stopped before its first submission with how to mend it, never scored nothing.
 */
describe('a sandboxed class on a machine that cannot make the router image', () => {
  it('is refused before the first submission, saying to install busybox-static', async () => {
    const id = randomBytes(3).toString('hex')
    const pulled: string[] = []
    const target = new DockerTarget(docker, 'unused', {
      sandbox: DEFAULT_SANDBOX,
      log: () => undefined,
      routerSource: { image: `socklab-test/router-missing:${id}`, hostBusybox: [], registry: `socklab-test/no-registry:${id}`, pull: async (_docker, name) => {
        pulled.push(name)
        throw new Error('dial tcp: lookup registry-1.docker.io: no such host')
      } },
    })
    const refused = await target.prepareClass(false).then(() => undefined, (error: unknown) => error)
    expect(refused).toBeInstanceOf(SocklabError)
    expect((refused as SocklabError).code).toBe('SOCKLAB_TARGET_UNAVAILABLE')
    expect((refused as SocklabError).message).toMatch(/apt-get install busybox-static.*no such host/)
    expect(pulled).toEqual([`socklab-test/no-registry:${id}`])
    expect(await docker.listImages({ filters: { reference: [`socklab-test/router-missing:${id}`] } })).toEqual([])
  })
})
