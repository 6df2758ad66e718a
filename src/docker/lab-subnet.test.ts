import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { hostRouteOverlap, labSubnet } from './lab-subnet.js'

describe('the lab subnet of an address a server hard-codes', () => {
  it('is the /24 that holds it, with the others handed the other half', () => {
    expect(labSubnet('192.168.2.53')).toEqual({ subnet: '192.168.2.0/24', gateway: '192.168.2.1', ipRange: '192.168.2.128/25' })
    expect(labSubnet('10.0.0.200')).toEqual({ subnet: '10.0.0.0/24', gateway: '10.0.0.1', ipRange: '10.0.0.0/25' })
    expect(labSubnet('10.0.0.1')?.gateway).toBe('10.0.0.254')
    expect(labSubnet('0.0.0.0')).toBeUndefined()
    expect(labSubnet('server.local')).toBeUndefined()
  })

  it("finds a route of the host's own that it would overlap, and ignores Docker's bridges and the default route", async () => {
    const table = join(await mkdtemp(join(tmpdir(), 'routes-')), 'route')
    await writeFile(table, [
      'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
      'eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
      'eth0\t0002A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
      'br-1234\t00000A0A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
    ].join('\n'))
    expect(await hostRouteOverlap('192.168.2.0/24', table)).toBe('192.168.2.0/24 on eth0')
    expect(await hostRouteOverlap('10.10.3.0/24', table)).toBeUndefined()
    expect(await hostRouteOverlap('192.168.3.0/24', table)).toBeUndefined()
  })
})
