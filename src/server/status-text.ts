import type { ProtocolMode } from '../events/server-event.js'
import { pythonAddress, pythonDateTime, statusLine } from '../protocol/original-text.js'
import type { ClientRegistry } from './client-registry.js'

/** `status`: the original's line per connected client; framed mode adds recent disconnects after them. */
export function statusText(registry: ClientRegistry, mode: ProtocolMode): string {
  const lines = registry.connected().map((r) => statusLine(r.name, r.address, r.port, r.connectedAtMicros))
  if (mode === 'framed') {
    for (const r of registry.recent()) {
      lines.push(
        `${r.name}: ${pythonAddress(r.address, r.port)} - Connected at ${pythonDateTime(r.connectedAtMicros)}` +
          ` - Disconnected at ${pythonDateTime(r.disconnectedAtMicros ?? 0)} (${r.reason})`,
      )
    }
  }
  return lines.join('\n')
}
