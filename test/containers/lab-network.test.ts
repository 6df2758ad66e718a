import { createHash, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { describe, expect, inject, it } from 'vitest'
import { createLabNetwork } from './helpers/docker-engine.js'
import { runClientContainer, startServerContainer } from './helpers/socklab-containers.js'

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')
const ipv4In = (subnet: string) => new RegExp(`^${subnet.split('.').slice(0, 2).join('\\.')}\\.\\d+\\.\\d+$`)

describe('client containers on a fresh lab network', () => {
  it('reach the server by its alias: echo, status with their own addresses, list and a verified binary get', async () => {
    const image = inject('image')
    const random = randomBytes(3 * 1024 * 1024 + 17)
    await using network = await createLabNetwork()
    await using server = await startServerContainer(image, network.name, { files: [{ name: 'random.bin', content: random }] })
    await server.log.waitFor('listening')
    const png = await readFile(new URL('../../server_files/socklab.png', import.meta.url))

    const first = await runClientContainer(
      image,
      ['--host', 'server', '--download-dir', '/tmp', '-c', 'hello', '-c', 'status', '-c', 'list', '-c', 'get socklab.png', '-c', 'get random.bin'],
      { network: network.name },
    )
    expect(first.exitCode, first.stderr).toBe(0)
    const lines = first.stdout.trimEnd().split('\n')
    expect(lines[1]).toBe('Server: hello ACK')
    const connected = await server.log.waitFor('client_connected', { client: 'Client01' })
    expect(connected.address).toMatch(ipv4In(network.subnet))
    expect(lines[2]).toMatch(new RegExp(`^Server: Client01: \\('${connected.address.replaceAll('.', '\\.')}', ${connected.port}\\) - Connected at `))
    expect(lines.slice(3, 6)).toEqual(['Server: hello.txt', 'random.bin', 'socklab.png'])
    expect(lines[6]).toBe(`Server: saved socklab.png (${png.length} bytes, sha256 ${sha256(png)})`)
    expect(lines[7]).toBe(`Server: saved random.bin (${random.length} bytes, sha256 ${sha256(random)})`)
    expect(lines[8]).toBe('Disconnected from server.')

    // The last event of the session: everything before it is in the log too.
    expect((await server.log.waitFor('client_disconnected', { client: 'Client01' })).reason).toBe('exit')
    const transfers = server.log.all('transfer_completed', { client: 'Client01' })
    expect(transfers.map((t) => [t.file, t.bytes, t.sha256])).toEqual([
      ['socklab.png', png.length, sha256(png)],
      ['random.bin', random.length, sha256(random)],
    ])

    // Two client containers at once are two hosts on the lab: each status line carries its own address.
    const holding = runClientContainer(image, ['--host', 'server', '--hold-ms', '60000', '-c', 'hello'], { network: network.name })
    const held = await server.log.waitFor('client_connected', { client: 'Client02' })
    const third = await runClientContainer(image, ['--host', 'server', '-c', 'status'], { network: network.name })
    expect(third.exitCode, third.stderr).toBe(0)
    const thirdConnected = await server.log.waitFor('client_connected', { client: 'Client03' })
    expect(thirdConnected.address).not.toBe(held.address)
    expect(third.stdout).toContain(`Server: Client02: ('${held.address}', ${held.port}) - Connected at `)
    expect(third.stdout).toContain(`Client03: ('${thirdConnected.address}', ${thirdConnected.port}) - Connected at `)
    await server.container.stop({ timeout: 5_000 })
    expect((await holding).exitCode).toBe(4)
  })

  it('a client that finds the server full prints the message and exits 3', async () => {
    const image = inject('image')
    await using network = await createLabNetwork()
    await using server = await startServerContainer(image, network.name, { env: { SOCKLAB_MAX_CLIENTS: '1' } })
    await server.log.waitFor('listening')
    const holder = runClientContainer(image, ['--host', 'server', '--hold-ms', '60000', '-c', 'hello'], { network: network.name })
    await server.log.waitFor('client_connected', { client: 'Client01' })
    const rejected = await runClientContainer(image, ['--host', 'server', '-c', 'hello'], { network: network.name })
    expect(rejected.exitCode).toBe(3)
    expect(rejected.stdout).toBe('Server: Server is full. Try again later.\n')
    const event = await server.log.waitFor('client_rejected')
    expect(event.address).toMatch(ipv4In(network.subnet))
    await server.container.stop({ timeout: 5_000 })
    expect((await holder).exitCode).toBe(4)
  })
})
