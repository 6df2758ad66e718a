import { escapeXml } from '../text/escape-xml.js'
import type { LabView } from './lab-view.js'
import { plural } from '../text/plural.js'
import { labTitle } from './lab-record.js'

export interface LabGraph {
  mermaid: string
  svg: string
}

const STATE_WORDS: Record<string, string> = {
  idle: 'idle',
  connecting: 'connecting',
  connected: 'connected',
  rejected: 'turned away',
  disconnected: 'disconnected',
  failed: 'could not connect',
}

/** The lab's topology: the server and each client on the lab network (or in their rooms, with the router), with the client's state and slot. */
export function labGraph(view: LabView): LabGraph {
  return { mermaid: mermaid(view), svg: svg(view) }
}

const clientLine = (c: LabView['clients'][number]) =>
  [c.name, c.serverName, STATE_WORDS[c.state], c.address ? `${c.address}${c.port ? `:${c.port}` : ''}` : undefined].filter(Boolean).join(' · ')

function mermaid(view: LabView): string {
  const held = view.slots.filter((s) => s.holder).length
  const serverNode = `server[["${view.server.spec} server<br/>${view.server.address}<br/>slots ${held}/${view.slots.length}"]]`
  const client = (c: LabView['clients'][number]) => `${nodeId(c.name)}("${clientLine(c)}")`
  const lines = ['flowchart LR']
  if (view.rooms) {
    // A lab laid out as rooms: a subgraph per subnet, and the router joining them.
    const byName = new Map(view.clients.map((c) => [c.name, c]))
    for (const room of view.rooms) {
      lines.push(`  subgraph ${roomId(room.name)}["${room.name} ${room.subnet}"]`)
      if (room.server) lines.push(`    ${serverNode}`)
      for (const name of room.clients) if (byName.has(name)) lines.push(`    ${client(byName.get(name)!)}`)
      lines.push('  end')
    }
    if (view.rooms.some((r) => r.router)) {
      lines.push(`  router{{"router<br/>forwarding, no NAT"}}`)
      for (const room of view.rooms) if (room.router) lines.push(`  ${roomId(room.name)} ---|${room.router}| router`)
    }
  } else {
    lines.push(`  subgraph net["${labTitle(view.name)} (${view.target})"]`, `    ${serverNode}`)
    for (const c of view.clients) lines.push(`    ${client(c)}`)
    lines.push('  end')
  }
  for (const c of view.clients) {
    if (c.state === 'connected') lines.push(`  ${nodeId(c.name)} -->|slot ${c.slot ?? '?'}| server`)
    else if (c.state === 'rejected') lines.push(`  ${nodeId(c.name)} -.-x|full| server`)
    else lines.push(`  ${nodeId(c.name)} -.- server`)
  }
  return `${lines.join('\n')}\n`
}

const roomId = (name: string) => `room_${name.replace(/[^a-zA-Z0-9_]/g, '_')}`
const nodeId = (name: string) => `client_${name.replace(/[^a-z0-9_]/g, '_')}`

/** A plain picture: the server on the left, the clients in a column on the right, a line for each link. */
function svg(view: LabView): string {
  const rowHeight = 44
  const height = Math.max(140, view.clients.length * rowHeight + 40)
  const width = 760
  const serverY = height / 2 - 40
  const held = view.slots.filter((s) => s.holder).length
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="13">`,
    `<title>lab ${escapeXml(view.name)}: ${escapeXml(view.server.spec)} server and ${plural(view.clients.length, 'client')}</title>`,
    `<rect x="20" y="${serverY}" width="220" height="80" rx="8" fill="#eef2ff" stroke="#3730a3"/>`,
    `<text x="32" y="${serverY + 24}" font-weight="bold">${escapeXml(view.server.spec)} server</text>`,
    `<text x="32" y="${serverY + 44}">${escapeXml(view.server.address)}</text>`,
    `<text x="32" y="${serverY + 64}">slots ${held} of ${view.slots.length} taken</text>`,
  ]
  const roomOf = (has: (r: NonNullable<LabView['rooms']>[number]) => boolean) => view.rooms?.find(has)
  const serverRoom = roomOf((r) => r.server)
  if (serverRoom) parts.push(`<text x="32" y="${serverY + 100}" fill="#3730a3">${escapeXml(`${serverRoom.name} ${serverRoom.subnet}`)}</text>`)
  if (view.rooms?.some((r) => r.router)) parts.push(`<text x="250" y="${serverY + 34}" fill="#52525b">through the router</text>`)
  view.clients.forEach((c, i) => {
    const y = 20 + i * rowHeight
    const connected = c.state === 'connected'
    const colour = connected ? '#166534' : c.state === 'rejected' || c.state === 'failed' ? '#b91c1c' : '#52525b'
    parts.push(
      `<line x1="240" y1="${serverY + 40}" x2="420" y2="${y + 16}" stroke="${colour}" stroke-width="${connected ? 2 : 1}"${connected ? '' : ' stroke-dasharray="4 4"'}/>`,
      `<rect x="420" y="${y}" width="320" height="32" rx="6" fill="#fff" stroke="${colour}"/>`,
      `<text x="432" y="${y + 21}" fill="${colour}">${escapeXml([clientLine(c), roomOf((r) => r.clients.includes(c.name))?.name].filter(Boolean).join(' · '))}</text>`,
    )
  })
  parts.push('</svg>')
  return `${parts.join('\n')}\n`
}
