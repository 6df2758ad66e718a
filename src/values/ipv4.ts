/** IPv4 addresses and subnets in CIDR form, as numbers: what a lab topology and the host's routes are checked with. */

const ADDRESS = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/

/** An IPv4 address as a number; undefined for anything else (a name, a stray space, 256). */
export function ipv4Number(text: string): number | undefined {
  const parts = ADDRESS.exec(text)?.slice(1).map(Number)
  if (!parts || parts.some((p) => p > 255)) return undefined
  return parts.reduce((n, part) => n * 256 + part, 0)
}

export const ipv4Text = (n: number): string => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.')

export interface Cidr {
  /** `10.0.0.0/24` */
  text: string
  base: number
  bits: number
  /** How many addresses it holds, network and broadcast included. */
  size: number
  /** The address `offset` places after its base. */
  address(offset: number): string
}

/** A subnet in CIDR form whose host bits are zero; undefined for anything else. */
export function cidr(text: string): Cidr | undefined {
  const match = /^([^/]+)\/(\d{1,2})$/.exec(text.trim())
  const base = match ? ipv4Number(match[1]!) : undefined
  const bits = Number(match?.[2])
  if (base === undefined || !(bits >= 0 && bits <= 32)) return undefined
  const size = 2 ** (32 - bits)
  if (base % size !== 0) return undefined
  return { text: `${ipv4Text(base)}/${bits}`, base, bits, size, address: (offset) => ipv4Text(base + offset) }
}

export function contains(subnet: Cidr, address: string): boolean {
  const n = ipv4Number(address)
  return n !== undefined && n >= subnet.base && n < subnet.base + subnet.size
}

/** An address a host on the subnet can have: inside it, neither its network nor its broadcast address. */
export function hostAddress(subnet: Cidr, address: string): boolean {
  const n = ipv4Number(address)
  return n !== undefined && n > subnet.base && n < subnet.base + subnet.size - 1
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size
}
