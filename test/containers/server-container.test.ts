import { describe, expect, inject, it } from 'vitest'
import { createLabNetwork, docker } from './helpers/docker-engine.js'
import { startServerContainer } from './helpers/socklab-containers.js'

describe('the socklab image as a server', () => {
  it('starts, logs listening, reports healthy, and runs as a non-root user with OCI labels', async () => {
    const image = inject('image')
    await using network = await createLabNetwork()
    await using server = await startServerContainer(image, network.name)
    const listening = await server.log.waitFor('listening')
    expect(listening).toMatchObject({ host: '0.0.0.0', port: 12345, maxClients: 3, files: '/srv/server_files' })
    const info = await docker.getContainer(server.container.getId()).inspect()
    expect(info.State.Health?.Status).toBe('healthy')
    expect(info.Config.User).toBe('1000:1000')
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual([network.name])
    const imageInfo = await docker.getImage(image).inspect()
    expect(imageInfo.Config.Labels).toMatchObject({ 'org.opencontainers.image.title': 'socklab' })
    // Health probes go to the health socket: none of them may show up as a client.
    expect(server.log.all('client_connected')).toEqual([])
  })

  it('stops on SIGTERM with exit code 0 and logs the shutdown', async () => {
    const image = inject('image')
    await using network = await createLabNetwork()
    const server = await startServerContainer(image, network.name)
    await server.log.waitFor('listening')
    const id = server.container.getId()
    await docker.getContainer(id).kill({ signal: 'SIGTERM' })
    const { StatusCode } = (await docker.getContainer(id).wait()) as { StatusCode: number }
    expect(StatusCode).toBe(0)
    expect((await server.log.waitFor('shutdown')).signal).toBe('SIGTERM')
    await server[Symbol.asyncDispose]()
  })
})
