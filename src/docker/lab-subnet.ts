import { readFile } from 'node:fs/promises'
import { cidr, ipv4Number, ipv4Text, overlaps } from '../values/ipv4.js'

/** A lab network for an address a server hard-codes: the /24 that holds it, its gateway, and where others get theirs. */
export interface LabSubnet {
  subnet: string
  gateway: string
  /** The addresses the engine hands out to the other containers: the half of the /24 the server is not in. */
  ipRange: string
}

/** The lab subnet for `address` (192.168.2.53 → 192.168.2.0/24); undefined for what is not one IPv4 host address. */
export function labSubnet(address: string): LabSubnet | undefined {
  const n = ipv4Number(address)
  const d = n === undefined ? 0 : n % 256
  if (n === undefined || d === 0 || d === 255) return undefined
  const net = ipv4Text(n - d).replace(/\.0$/, '')
  return { subnet: `${net}.0/24`, gateway: `${net}.${d === 1 ? 254 : 1}`, ipRange: d < 128 ? `${net}.128/25` : `${net}.0/25` }
}

/** The kernel's hex (little-endian) for an address or mask, as a number. */
const kernelHex = (hex: string) => Number.parseInt(hex.match(/../g)!.reverse().join(''), 16) >>> 0

/**
 * A route of this machine's own (not a Docker bridge's) that overlaps a subnet, from the kernel's table: a lab
 * network there would take the host's way to that network. Undefined when none does or the table cannot be read.
 */
export async function hostRouteOverlap(subnet: string, table = '/proc/net/route'): Promise<string | undefined> {
  const text = await readFile(table, 'utf8').catch(() => '')
  const wanted = cidr(subnet)
  if (!wanted) return undefined
  for (const line of text.split('\n').slice(1)) {
    const [iface, destination, , , , , , mask] = line.trim().split(/\s+/)
    if (!iface || !destination || !mask || /^(docker|br-|veth)/.test(iface)) continue
    const maskValue = kernelHex(mask)
    if (maskValue === 0) continue // the default route overlaps everything and takes nothing away
    const bits = 32 - Math.log2(2 ** 32 - maskValue)
    const route = cidr(`${ipv4Text(kernelHex(destination))}/${bits}`)
    if (route && overlaps(route, wanted)) return `${route.text} on ${iface}`
  }
  return undefined
}
