import type { DisconnectReason } from '../events/server-event.js'
import { nowMicros, type ClientRecord } from './client-record.js'

/**
 * Who is connected. Admission and release are synchronous, so on Node's single thread no burst of
 * connections can ever admit more than `maxClients`. Names follow admission order and are never reused.
 */
export class ClientRegistry {
  readonly #maxClients: number
  readonly #historyLength: number
  readonly #connected = new Map<string, ClientRecord>()
  readonly #history: ClientRecord[] = []
  #admitted = 0

  constructor(options: { maxClients: number; historyLength: number }) {
    this.#maxClients = options.maxClients
    this.#historyLength = options.historyLength
  }

  get size(): number {
    return this.#connected.size
  }

  get maxClients(): number {
    return this.#maxClients
  }

  /** A record with the next name, or undefined when every slot is taken. */
  admit(address: string, port: number): ClientRecord | undefined {
    if (this.#connected.size >= this.#maxClients) return undefined
    this.#admitted += 1
    const record: ClientRecord = {
      name: `Client${String(this.#admitted).padStart(2, '0')}`,
      address,
      port,
      connectedAtMicros: nowMicros(),
    }
    this.#connected.set(record.name, record)
    return record
  }

  /** Frees the record's slot; true only the first time, so every path may call it safely. */
  release(record: ClientRecord, reason: DisconnectReason): boolean {
    if (this.#connected.get(record.name) !== record) return false
    this.#connected.delete(record.name)
    record.disconnectedAtMicros = nowMicros()
    record.reason = reason
    if (this.#historyLength > 0) {
      this.#history.push(record)
      if (this.#history.length > this.#historyLength) this.#history.shift()
    }
    return true
  }

  connected(): ClientRecord[] {
    return [...this.#connected.values()]
  }

  /** Recently disconnected clients, oldest first. */
  recent(): ClientRecord[] {
    return [...this.#history]
  }
}
