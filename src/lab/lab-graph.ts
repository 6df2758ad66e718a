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

/** The lab's topology: the server and each client on the lab network, with the client's state and slot. */
export function labGraph(view: LabView): LabGraph {
  return { mermaid: mermaid(view), svg: svg(view) }
}

const clientLine = (c: LabView['clients'][number]) =>
  [c.name, c.serverName, STATE_WORDS[c.state], c.address ? `${c.address}${c.port ? `:${c.port}` : ''}` : undefined].filter(Boolean).join(' · ')

function mermaid(view: LabView): string {
  const held = view.slots.filter((s) => s.holder).length
  const lines = [
    'flowchart LR',
    `  subgraph net["${labTitle(view.name)} (${view.target})"]`,
    `    server[["${view.server.spec} server<br/>${view.server.address}<br/>slots ${held}/${view.slots.length}"]]`,
  ]
  for (const c of view.clients) lines.push(`    ${nodeId(c.name)}("${clientLine(c)}")`)
  lines.push('  end')
  for (const c of view.clients) {
    if (c.state === 'connected') lines.push(`  ${nodeId(c.name)} -->|slot ${c.slot ?? '?'}| server`)
    else if (c.state === 'rejected') lines.push(`  ${nodeId(c.name)} -.-x|full| server`)
    else lines.push(`  ${nodeId(c.name)} -.- server`)
  }
  return `${lines.join('\n')}\n`
}

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
  view.clients.forEach((c, i) => {
    const y = 20 + i * rowHeight
    const connected = c.state === 'connected'
    const colour = connected ? '#166534' : c.state === 'rejected' || c.state === 'failed' ? '#b91c1c' : '#52525b'
    parts.push(
      `<line x1="240" y1="${serverY + 40}" x2="420" y2="${y + 16}" stroke="${colour}" stroke-width="${connected ? 2 : 1}"${connected ? '' : ' stroke-dasharray="4 4"'}/>`,
      `<rect x="420" y="${y}" width="320" height="32" rx="6" fill="#fff" stroke="${colour}"/>`,
      `<text x="432" y="${y + 21}" fill="${colour}">${escapeXml(clientLine(c))}</text>`,
    )
  })
  parts.push('</svg>')
  return `${parts.join('\n')}\n`
}
