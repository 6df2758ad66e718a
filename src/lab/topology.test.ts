import { describe, expect, it } from 'vitest'
import { loadTopology, parseTopologyText, placeClient, placeServer, routedSubnets } from './topology.js'

describe('topologies', () => {
  it('the shipped seed-lab: the server at 192.168.2.53, clients on 10.0.0.0/24, the second on a third subnet', async () => {
    const seed = loadTopology('seed-lab')
    expect(seed.networks.map((n) => [n.name, n.subnet, n.gateway, n.router])).toEqual([
      ['server-room', '192.168.2.0/24', '192.168.2.1', '192.168.2.254'],
      ['lab-room', '10.0.0.0/24', '10.0.0.1', '10.0.0.254'],
      ['library', '10.49.189.0/24', '10.49.189.1', '10.49.189.254'],
    ])
    expect(placeServer(seed)).toMatchObject({ network: { name: 'server-room' }, address: '192.168.2.53' })
    expect(seed.networks[0]!.ipRange).toBe('192.168.2.128/25')
    expect(['a', 'b', 'c', 'd'].map((name, i) => placeClient(seed, name, i + 1).name)).toEqual(['lab-room', 'library', 'lab-room', 'lab-room'])
    expect(routedSubnets(seed, seed.networks[1]!)).toEqual(['192.168.2.0/24', '10.49.189.0/24'])
  })

  it("a server's bind: on a subnet it sits there; on none, a student's sentence with the line", async () => {
    const seed = loadTopology('seed-lab')
    expect(placeServer(seed, { value: '192.168.2.77', line: 3, name: 'HOST' }).address).toBe('192.168.2.77')
    expect(() => placeServer(seed, { value: '192.168.1.10', line: 3, name: 'SERVER_HOST' })).toThrow(
      /SERVER_HOST on line 3 binds 192\.168\.1\.10, which is on no subnet of the seed-lab lab \(server-room 192\.168\.2\.0\/24, lab-room 10\.0\.0\.0\/24, library 10\.49\.189\.0\/24\)/,
    )
  })

  it('refuses overlapping subnets, a server outside its subnet, and unknown names, with the line', async () => {
    expect(() => parseTopologyText('networks:\n  a: { subnet: 10.0.0.0/24, server: 10.0.0.5 }\n  b: { subnet: 10.0.0.0/16 }\n', 't.yaml')).toThrow(/t\.yaml:3: .*a subnet apart from the others \(a has 10\.0\.0\.0\/24\)/)
    expect(() => parseTopologyText('networks:\n  a: { subnet: 10.0.0.0/24, server: 10.0.1.5 }\n', 't.yaml')).toThrow(/t\.yaml:2: .*an address inside 10\.0\.0\.0\/24/)
    expect(() => parseTopologyText('networks:\n  a: { subnet: 10.0.0.1/24, server: 10.0.0.5 }\n', 't.yaml')).toThrow(/CIDR form/)
    expect(() => parseTopologyText('networks:\n  a: { subnet: 10.0.0.0/24 }\n', 't.yaml')).toThrow(/exactly one network with the server's address/)
    expect(() => loadTopology('seed-labs')).toThrow(/did you mean seed-lab/)
  })
})
