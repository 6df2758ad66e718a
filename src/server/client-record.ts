import type { DisconnectReason, ProtocolMode } from '../events/server-event.js'

export interface ClientRecord {
  readonly name: string
  readonly address: string
  readonly port: number
  /** Epoch microseconds, as the original's `datetime.now()` shows them. */
  readonly connectedAtMicros: number
  mode?: ProtocolMode
  disconnectedAtMicros?: number
  reason?: DisconnectReason
}

/** Wall-clock time in epoch microseconds (sub-millisecond part from the monotonic clock). */
export function nowMicros(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000)
}
