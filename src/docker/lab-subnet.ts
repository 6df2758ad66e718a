import { readFile } from 'node:fs/promises'

/** A lab network for an address a server hard-codes: the /24 that holds it, its gateway, and where others get theirs. */
export interface LabSubnet {
  subnet: string
  gateway: string
  /** The addresses the engine hands out to the other containers: the half of the /24 the server is not in. */
  ipRange: string
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/

/** The lab subnet for `address` (192.168.2.53 → 192.168.2.0/24); undefined for what is not one IPv4 host address. */
export function labSubnet(address: string): LabSubnet | undefined {
  const parts = IPV4.exec(address)?.slice(1).map(Number)
  if (!parts || parts.some((p) => p > 255) || parts[3] === 0 || parts[3] === 255) return undefined
  const [a, b, c, d] = parts as [number, number, number, number]
  const net = `${a}.${b}.${c}`
  return { subnet: `${net}.0/24`, gateway: `${net}.${d === 1 ? 254 : 1}`, ipRange: d < 128 ? `${net}.128/25` : `${net}.0/25` }
}

const toNumber = (address: string) => address.split('.').reduce((n, part) => n * 256 + Number(part), 0)

/**
 * A route of this machine's own (not a Docker bridge's) that overlaps a subnet, from the kernel's table: a lab
 * network there would take the host's way to that network. Undefined when none does or the table cannot be read.
 */
export async function hostRouteOverlap(subnet: string, table = '/proc/net/route'): Promise<string | undefined> {
  const text = await readFile(table, 'utf8').catch(() => '')
  const [base, bits] = subnet.split('/') as [string, string]
  const start = toNumber(base)
  const size = 2 ** (32 - Number(bits))
  for (const line of text.split('\n').slice(1)) {
    const [iface, destination, , , , , , mask] = line.trim().split(/\s+/)
    if (!iface || !destination || !mask || /^(docker|br-|veth)/.test(iface)) continue
    // The kernel writes addresses as little-endian hex.
    const dest = Number.parseInt(destination.match(/../g)!.reverse().join(''), 16) >>> 0
    const maskValue = Number.parseInt(mask.match(/../g)!.reverse().join(''), 16) >>> 0
    if (maskValue === 0) continue // the default route overlaps everything and takes nothing away
    const routeSize = 2 ** 32 - maskValue
    if (dest < start + size && start < dest + routeSize) {
      const shown = [24, 16, 8, 0].map((shift) => (dest >>> shift) & 255).join('.')
      return `${shown}/${32 - Math.log2(routeSize)} on ${iface}`
    }
  }
  return undefined
}
