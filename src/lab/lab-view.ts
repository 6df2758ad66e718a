import type { Room } from './topology.js'
import type { ServerWatch, TransferRecord } from './server-watch.js'

/** One lab client as the lab keeps it between actions. */
export interface ClientRecord {
  name: string
  state: 'idle' | 'connecting' | 'connected' | 'rejected' | 'disconnected' | 'failed'
  /** The name the server gave it (Client01), where known. */
  serverName?: string
  address?: string
  port?: number
  mode?: 'framed' | 'compat' | 'raw'
  /** Its link's conditions, where it connects through a relay (`no conditions`, `latency 100 ms …`). */
  link?: string
  /** A program of someone's own run as this client (client.py), where it is one. */
  program?: string
  /** Why it is in its state (the rejection message, how it left). */
  note?: string
  /** When it entered its state (epoch ms). */
  since?: number
}

/** What `lab status --json`, the dashboard and `lab graph` show. */
export interface LabView {
  name: string
  target: string
  server: { spec: string; label: string; address: string; running: boolean }
  /** One per client slot; a slot keeps its holder until it leaves, and a new client takes the lowest free one. */
  slots: Array<{ slot: number; holder?: { name: string; client?: string; address: string; port: number; since: number } }>
  maxClients?: number
  clients: Array<ClientRecord & { slot?: number }>
  /** bytesPerSecond: lately while it runs, over the whole transfer once it is done (as the server sent it). */
  transfers: Array<TransferRecord & { percent: number; bytesPerSecond: number; lab?: string }>
  /** A lab laid out as rooms (a topology): each subnet, its router address and who sits there. */
  rooms?: Room[]
}

export interface LabParts {
  name: string
  target: string
  server: LabView['server']
  maxClients: number | undefined
  holders: ReadonlyMap<string, { address: string; port: number; since: number; slot: number }>
  clients: readonly ClientRecord[]
  transfers: readonly TransferRecord[]
  rooms?: Room[]
}

/** The lab's state as one plain object: slots from the server's events, clients as the lab drove them. */
export function labView(parts: LabParts): LabView {
  const labName = new Map(parts.clients.filter((c) => c.serverName && c.state === 'connected').map((c) => [c.serverName!, c.name]))
  const held = new Map([...parts.holders.entries()].map(([name, { slot, ...h }]) => [slot, { name, ...h, ...(labName.has(name) ? { client: labName.get(name)! } : {}) }]))
  const count = Math.max(parts.maxClients ?? 0, ...held.keys(), 0)
  const slots = Array.from({ length: count }, (_, i) => ({ slot: i + 1, ...(held.has(i + 1) ? { holder: held.get(i + 1)! } : {}) }))
  const slotOf = new Map(slots.flatMap((s) => (s.holder?.client ? [[s.holder.client, s.slot] as const] : [])))
  return {
    name: parts.name,
    target: parts.target,
    server: parts.server,
    slots,
    ...(parts.rooms ? { rooms: parts.rooms } : {}),
    ...(parts.maxClients !== undefined ? { maxClients: parts.maxClients } : {}),
    clients: parts.clients.map((c) => ({ ...c, ...(slotOf.has(c.name) ? { slot: slotOf.get(c.name)! } : {}) })),
    transfers: parts.transfers.map((t) => {
      const seconds = Math.max((t.updatedAt - t.startedAt) / 1000, 0.001)
      const lab = parts.clients.find((c) => c.serverName === t.client)?.name
      const rate = t.state === 'running' && t.recentRate !== undefined ? t.recentRate : Math.round(t.bytes / seconds)
      return { ...t, percent: t.size > 0 ? Math.floor((t.bytes / t.size) * 100) : 100, bytesPerSecond: rate, ...(lab ? { lab } : {}) }
    }),
  }
}

/** What one action as a client came to. */
export interface ExecResult {
  ok: boolean
  /** What happened, one line per reply. */
  text: string
  /** The reply or outcome: connected, rejected, reply, error, disconnected. */
  outcome: string
  code?: string
}

/** What the dashboard and the lab's API read and drive: a lab, or a scenario run being watched (read only). */
export interface LabSource {
  /** The server's state and the timeline, and a `change` event for each update. */
  readonly watch: ServerWatch
  view(): LabView
  addClient(name?: string): string
  exec(client: string, words: readonly string[]): Promise<ExecResult>
  restartServer(): Promise<void>
}
