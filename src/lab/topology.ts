import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { LineCounter, parseDocument } from 'yaml'
import { SocklabError } from '../errors/socklab-error.js'
import { LAB_ASSETS } from '../package/package-files.js'
import { suggestion } from '../values/suggestion.js'
import { YamlCursor } from '../values/yaml-cursor.js'
import { cidr, contains, hostAddress, overlaps, type Cidr } from '../values/ipv4.js'
import type { Found } from './source-constants.js'

/**
 * A lab laid out as rooms: named subnets, which node sits on which, and a router between them
 * (lab/topologies/*.yaml, docs/topology.md). On the docker target each subnet is a bridge network of its
 * own with that exact CIDR, the router a container on all of them with forwarding on, and every other node
 * has a route to the other subnets through it, so the server sees its clients' own addresses.
 */
export interface Topology {
  name: string
  description: string
  /** Where it was read from ('' for one written inline in a scenario). */
  file: string
  networks: TopologyNetwork[]
  /** `forward`: a router container joins every network; `none`: the subnets cannot reach one another. */
  router: 'forward' | 'none'
}

export interface TopologyNetwork {
  name: string
  subnet: string
  /** The host's side of the bridge (the engine's gateway): the first address. */
  gateway: string
  /** The router's address on this network: the last address. */
  router: string
  /** Where the engine hands out addresses: the half of the subnet the server's address is not in. */
  ipRange: string
  /** The server's address, on the one network that holds it. */
  server?: string
  /** `rest`: every client not placed elsewhere; else the clients placed here, by name or by 1-based position. */
  clients?: 'rest' | Array<string | number>
}

/** Where a node of a topology sits: its network and, when fixed, its address. */
export interface Placement {
  network: TopologyNetwork
  address?: string
}

/** The folder of the topologies that ship with the package. */
export const TOPOLOGY_DIR = join(LAB_ASSETS, 'topologies')

/** The names of the shipped topologies (`seed-lab`). */
export function shippedTopologies(): string[] {
  return existsSync(TOPOLOGY_DIR) ? readdirSync(TOPOLOGY_DIR).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, '')).sort() : []
}

/** A shipped topology by name, or a topology file (relative to `relativeTo`). */
export function loadTopology(given: string, relativeTo = process.cwd()): Topology {
  const shipped = join(TOPOLOGY_DIR, `${given}.yaml`)
  const path = /^[a-z0-9-]+$/.test(given) && existsSync(shipped) ? shipped : resolve(relativeTo, given)
  if (!existsSync(path)) {
    const near = suggestion(given, shippedTopologies())
    throw new SocklabError('SOCKLAB_CONFIG_INVALID', `--topology takes ${shippedTopologies().join(', ')} or a topology file, not ${given}${near ? `; ${near}` : ''}`)
  }
  return parseTopologyText(readFileSync(path, 'utf8'), path)
}

export function parseTopologyText(text: string, file: string): Topology {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true })
  if (doc.errors.length > 0) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `${file}: not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`)
  return parseTopology(new YamlCursor(doc.contents, '', { file, lines, vars: new Map() }), file)
}

const NETWORK_NAME = /^[a-z][a-z0-9-]{0,23}$/

/** A topology from its YAML (a file's root, or a scenario's `topology:` map). */
export function parseTopology(cursor: YamlCursor, file: string): Topology {
  const e = cursor.entries(['name', 'description', 'networks', 'router'])
  const at = (key: string) => (cursor.path ? `${cursor.path}.${key}` : key)
  const name = e.get('name')?.string() ?? file.replace(/^.*\//, '').replace(/\.ya?ml$/, '')
  const networks: TopologyNetwork[] = []
  const list = e.get('networks') ?? cursor.fail(`a \`networks:\` map (${at('networks')}): each network's name, its subnet, and who sits on it`)
  for (const [netName, value] of list.entries()) {
    if (!NETWORK_NAME.test(netName)) value.fail('a network name of lowercase letters, digits and -, starting with a letter (up to 24)')
    const n = value.entries(['subnet', 'server', 'clients'])
    const subnetCursor = n.get('subnet') ?? value.fail('a `subnet:` in CIDR form, e.g. 10.0.0.0/24')
    const parsed = cidr(subnetCursor.string())
    const subnet: Cidr = parsed && parsed.bits >= 16 && parsed.bits <= 28 ? parsed : subnetCursor.fail('an IPv4 subnet in CIDR form from /16 to /28, e.g. 10.0.0.0/24 (its base address, the host bits zero)')
    const clash = networks.find((other) => overlaps(cidr(other.subnet)!, subnet))
    if (clash) subnetCursor.fail(`a subnet apart from the others (${clash.name} has ${clash.subnet})`)
    const serverCursor = n.get('server')
    const server = serverCursor?.string()
    if (serverCursor && (!server || !hostAddress(subnet, server) || server === firstHost(subnet) || server === lastHost(subnet))) {
      serverCursor.fail(`an address inside ${subnet.text} other than its first (${firstHost(subnet)}, the engine's) and last (${lastHost(subnet)}, the router's)`)
    }
    const clientsCursor = n.get('clients')
    const clients = clientsCursor === undefined ? undefined : clientsCursor.isSeq() ? clientsCursor.items().map((item) => {
      const v = item.scalar()
      if (typeof v === 'number' ? !Number.isInteger(v) || v < 1 : typeof v !== 'string') item.fail('a client name, or its position among the clients (1 for the first)')
      return v as string | number
    }) : clientsCursor.oneOf(['rest'] as const)
    networks.push({
      name: netName,
      subnet: subnet.text,
      gateway: firstHost(subnet),
      router: lastHost(subnet),
      ipRange: rangeApart(subnet, server),
      ...(server ? { server } : {}),
      ...(clients ? { clients } : {}),
    })
  }
  if (networks.length === 0) list.fail('at least one network')
  const servers = networks.filter((n) => n.server)
  if (servers.length !== 1) list.fail(`exactly one network with the server's address (\`server: <address>\`), not ${servers.length}`)
  if (networks.filter((n) => n.clients === 'rest').length > 1) list.fail('at most one network with `clients: rest`')
  const router = e.get('router')?.oneOf(['forward', 'none'] as const) ?? 'forward'
  return { name, description: e.get('description')?.string() ?? '', file, networks, router }
}

/** The network the server sits on, and its address: the one its source binds when it binds one, else the topology's. */
export function placeServer(topology: Topology, bound?: Found<string>): Placement {
  const home = topology.networks.find((n) => n.server)!
  if (!bound) return { network: home, address: home.server! }
  const on = topology.networks.find((n) => hostAddress(cidr(n.subnet)!, bound.value))
  if (!on) {
    const subnets = topology.networks.map((n) => `${n.name} ${n.subnet}`).join(', ')
    throw new SocklabError('SOCKLAB_CONFIG_INVALID', `${bound.name} on line ${bound.line} binds ${bound.value}, which is on no subnet of the ${topology.name} lab (${subnets}): no machine in that lab has this address, so bind fails (Cannot assign requested address). Bind 0.0.0.0, or the server's address there (${home.server})`)
  }
  if (bound.value === on.gateway || bound.value === on.router) {
    throw new SocklabError('SOCKLAB_CONFIG_INVALID', `${bound.name} on line ${bound.line} binds ${bound.value}, which is the ${bound.value === on.gateway ? "engine's gateway" : 'router'} on ${on.name} ${on.subnet}: pick another address there, such as ${home.server}`)
  }
  return { network: on, address: bound.value }
}

/** The network a client sits on: the one that names it (or its 1-based position), else the one with `clients: rest`, else the server's. */
export function placeClient(topology: Topology, name: string, position: number): TopologyNetwork {
  return (
    topology.networks.find((n) => Array.isArray(n.clients) && n.clients.some((c) => c === name || c === position)) ??
    topology.networks.find((n) => n.clients === 'rest') ??
    topology.networks.find((n) => n.server)!
  )
}

/** A room of a lab as it is drawn: its subnet, its router address, and who sits in it. */
export interface Room {
  name: string
  subnet: string
  /** The router's address here (absent: no router). */
  router?: string
  server: boolean
  clients: string[]
}

/** Who sits in which room of a topology: the server (bound where its source says) and each client, by its name and position. */
export function rooms(topology: Topology, clients: readonly string[], bound?: Found<string>): Room[] {
  const serverRoom = placeServer(topology, bound).network
  const placed = clients.map((name, i) => [name, placeClient(topology, name, i + 1)] as const)
  return topology.networks.map((n) => ({
    name: n.name,
    subnet: n.subnet,
    ...(topology.router === 'forward' && topology.networks.length > 1 ? { router: n.router } : {}),
    server: n === serverRoom,
    clients: placed.filter(([, at]) => at === n).map(([name]) => name),
  }))
}

/** The subnets a node on `network` reaches through the router (none without one). */
export function routedSubnets(topology: Topology, network: TopologyNetwork): string[] {
  return topology.router === 'forward' ? topology.networks.filter((n) => n !== network).map((n) => n.subnet) : []
}

const firstHost = (c: Cidr) => c.address(1)
const lastHost = (c: Cidr) => c.address(c.size - 2)

/** The half of the subnet the server's address is not in (the upper half when there is no server here). */
function rangeApart(c: Cidr, server: string | undefined): string {
  const half = c.size / 2
  const upper = `${c.address(half)}/${c.bits + 1}`
  if (!server) return upper
  return contains(cidr(upper)!, server) ? `${c.address(0)}/${c.bits + 1}` : upper
}
