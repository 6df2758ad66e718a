import { EventEmitter } from 'node:events'
import type { LoggedEvent } from '../events/event-stream.js'

/** One file transfer, from the server's transfer events. */
export interface TransferRecord {
  /** The server's name for the client. */
  client: string
  file: string
  size: number
  bytes: number
  state: 'running' | 'done' | 'failed'
  startedAt: number
  updatedAt: number
  /** Bytes per second between the last two progress events, while it runs. */
  recentRate?: number
  reason?: string
}

/** Timeline entries kept for the dashboard and `lab status`. */
const TIMELINE_LENGTH = 500
/** Transfers kept for the dashboard. */
const TRANSFERS_KEPT = 50

/** One line of a lab's timeline: a server event, or something the lab (or a scenario step) did. */
export interface TimelineEntry {
  /** Epoch ms. */
  at: number
  source: 'server' | 'lab'
  text: string
  /** The server event's name, for a server entry. */
  event?: string
  client?: string
  /** A server event's own time (epoch ms), to measure how late the page shows it. */
  loggedAt?: number
}

/**
 * What a server's events say about it, kept up to date as they come: who holds which slot (a slot keeps its
 * place; a new client takes the lowest free one), its limit, its transfers with their progress, and a
 * timeline. Emits `change` with the new timeline entries, a burst of changes as one. The lab and a watched
 * scenario run both read their server through it.
 */
export class ServerWatch extends EventEmitter<{ change: [TimelineEntry[]] }> {
  readonly timeline: TimelineEntry[] = []
  readonly holders = new Map<string, { address: string; port: number; since: number; slot: number }>()
  readonly transfers: TransferRecord[] = []
  maxClients: number | undefined
  #pending: TimelineEntry[] = []
  #flushing = false

  constructor(maxClients?: number) {
    super()
    this.maxClients = maxClients
  }

  /** Reads a server event: slots, limit, transfers, and a timeline entry. */
  event(event: LoggedEvent): void {
    const time = (event as { time?: unknown }).time
    const loggedAt = typeof time === 'string' ? Date.parse(time) : typeof time === 'number' ? time : undefined
    const at = loggedAt ?? Date.now()
    const fields = event as unknown as Record<string, unknown>
    const name = typeof fields.client === 'string' ? fields.client : undefined
    switch (event.event) {
      case 'listening':
        this.holders.clear()
        if (typeof fields.maxClients === 'number') this.maxClients = fields.maxClients
        break
      case 'client_connected':
        if (name) this.holders.set(name, { address: String(fields.address), port: Number(fields.port), since: at, slot: this.#freeSlot() })
        break
      case 'client_disconnected':
        if (name) this.holders.delete(name)
        break
      case 'transfer_started':
        this.transfers.push({ client: name ?? '?', file: String(fields.file), size: Number(fields.size), bytes: 0, state: 'running', startedAt: at, updatedAt: at })
        if (this.transfers.length > TRANSFERS_KEPT) this.transfers.shift()
        break
      case 'transfer_progress':
      case 'transfer_completed':
      case 'transfer_failed': {
        const transfer = [...this.transfers].reverse().find((t) => t.client === name && t.file === fields.file && t.state === 'running')
        if (!transfer) break
        // The rate of late: what the link carries now, not the first burst into socket buffers.
        if (event.event === 'transfer_progress' && at > transfer.updatedAt) transfer.recentRate = Math.round(((Number(fields.bytes) - transfer.bytes) * 1000) / (at - transfer.updatedAt))
        transfer.bytes = Number(fields.bytes)
        transfer.updatedAt = at
        if (event.event === 'transfer_completed') transfer.state = 'done'
        if (event.event === 'transfer_failed') {
          transfer.state = 'failed'
          transfer.reason = String(fields.reason)
        }
        break
      }
    }
    this.push({ at: Date.now(), source: 'server', event: event.event, text: event.msg || event.event, ...(name ? { client: name } : {}), ...(loggedAt ? { loggedAt } : {}) })
  }

  /** Something the lab did, on the timeline. */
  note(text: string, client?: string): void {
    this.push({ at: Date.now(), source: 'lab', text, ...(client ? { client } : {}) })
  }

  /** Starts over, for another server (the next scenario of a watched run). */
  reset(maxClients: number | undefined): void {
    this.holders.clear()
    this.transfers.length = 0
    this.maxClients = maxClients
    this.changed()
  }

  /** The slots were emptied (the server is being restarted). */
  clearSlots(): void {
    this.holders.clear()
    this.changed()
  }

  push(entry: TimelineEntry): void {
    this.timeline.push(entry)
    if (this.timeline.length > TIMELINE_LENGTH) this.timeline.shift()
    this.#pending.push(entry)
    this.changed()
  }

  /** Changes that come together (a burst of events) go out as one. */
  changed(): void {
    if (this.#flushing) return
    this.#flushing = true
    setImmediate(() => this.flush())
  }

  /** Sends what changed now (before the page's stream is closed, say). */
  flush(): void {
    this.#flushing = false
    const entries = this.#pending
    this.#pending = []
    if (entries.length > 0 || this.listenerCount('change') > 0) this.emit('change', entries)
  }

  #freeSlot(): number {
    const taken = new Set([...this.holders.values()].map((h) => h.slot))
    for (let slot = 1; ; slot += 1) if (!taken.has(slot)) return slot
  }
}
