import { participants, type DiagramEntry } from './report-data.js'
import { escapeXml } from '../../text/escape-xml.js'

/**
 * A scenario's sequence diagram as an SVG drawn here, with nothing to load: a lifeline per participant (the
 * server, each client or group), an arrow per message (replies dashed), the server's events as notes over
 * it, top to bottom in the order they happened. Long texts are shortened in the picture (each element's
 * `<title>` and the report's timeline hold them whole).
 */

const COLUMN = 190
const HEAD_WIDTH = 150
const HEAD_HEIGHT = 32
const MARGIN = 16
const LINE = 15
const CHAR = 7.2
/** Lines of a message shown in the picture; the rest is counted. */
const SHOWN_LINES = 4
/** Notes are at least this wide, and as wide as the diagram when it is wider. */
const NOTE_WIDTH = 560
/** A message's text may reach this far past the ends of its arrow (it is centred on it). */
const OVERHANG = 30

export const xml = escapeXml

/** The text's lines, at most SHOWN_LINES, each cut to fit `width` pixels, with what was left out counted. */
function fitted(text: string, width: number): string[] {
  const max = Math.max(8, Math.floor(width / CHAR))
  const lines = (text === '' ? '(empty)' : text).split('\n')
  const shown = lines.slice(0, SHOWN_LINES).map((line) => (line.length > max ? `${line.slice(0, max - 1)}…` : line))
  if (lines.length > SHOWN_LINES) shown.push(`… ${lines.length - SHOWN_LINES} more lines`)
  return shown
}

/** `id`: unique in the page that holds the picture (its marker and title are named after it). */
export function sequenceSvg(entries: readonly DiagramEntry[], title: string, id: string): string {
  const names = participants(entries)
  const x = (name: string) => MARGIN + HEAD_WIDTH / 2 + COLUMN * names.indexOf(name)
  const width = Math.max(MARGIN * 2 + HEAD_WIDTH + COLUMN * (names.length - 1), NOTE_WIDTH + MARGIN * 2)
  const noteWidth = width - MARGIN * 2
  const body: string[] = []
  let y = MARGIN + HEAD_HEIGHT + 18
  for (const entry of entries) {
    if (entry.kind === 'message') {
      const [from, to] = [x(entry.from), x(entry.to)]
      const lines = fitted(entry.text, Math.abs(to - from) + 2 * OVERHANG)
      const mid = (from + to) / 2
      const text = lines.map((line, i) => `<text x="${mid}" y="${y + i * LINE}" text-anchor="middle">${xml(line)}</text>`).join('')
      const arrowY = y + lines.length * LINE - 6
      const reply = entry.from === 'server'
      body.push(
        `<g class="message${reply ? ' reply' : ''}"><title>${xml(`${entry.from} → ${entry.to}: ${entry.text}`)}</title>${text}` +
          `<line x1="${from}" y1="${arrowY}" x2="${to}" y2="${arrowY}" marker-end="url(#${id}-arrow)"${reply ? ' stroke-dasharray="6 4"' : ''}/></g>`,
      )
      y = arrowY + 24
    } else if (entry.kind === 'note') {
      // A note about a client (its link, a milestone): a box on its lifeline.
      const lines = fitted(entry.text, COLUMN + 2 * OVERHANG)
      const cx = x(entry.over)
      const boxWidth = Math.min(COLUMN + 2 * OVERHANG, Math.max(...lines.map((l) => l.length)) * CHAR + 12)
      const height = lines.length * LINE + 8
      const text = lines.map((line, i) => `<text x="${cx}" y="${y + 2 + i * LINE}" text-anchor="middle">${xml(line)}</text>`).join('')
      body.push(`<g class="note client-note"><title>${xml(`${entry.over}: ${entry.text}`)}</title><rect x="${cx - boxWidth / 2}" y="${y - 12}" width="${boxWidth}" height="${height}" rx="3"/>${text}</g>`)
      y += height + 10
    } else {
      const lines = fitted(`${entry.event}: ${entry.text}`, noteWidth - 12)
      const left = MARGIN
      const height = lines.length * LINE + 8
      const text = lines.map((line, i) => `<text x="${left + 6}" y="${y + 2 + i * LINE}">${xml(line)}</text>`).join('')
      body.push(`<g class="note"><title>${xml(`${entry.event}: ${entry.text}`)}</title><rect x="${left}" y="${y - 12}" width="${noteWidth}" height="${height}" rx="3"/>${text}</g>`)
      y += height + 10
    }
  }
  const height = y + MARGIN
  const heads = names
    .map((name) => {
      const cx = x(name)
      return (
        `<g class="participant"><rect x="${cx - HEAD_WIDTH / 2}" y="${MARGIN}" width="${HEAD_WIDTH}" height="${HEAD_HEIGHT}" rx="4"/>` +
        `<text x="${cx}" y="${MARGIN + 21}" text-anchor="middle">${xml(fitted(name, HEAD_WIDTH - 10)[0]!)}</text>` +
        `<line class="lifeline" x1="${cx}" y1="${MARGIN + HEAD_HEIGHT}" x2="${cx}" y2="${height - MARGIN}"/></g>`
      )
    })
    .join('')
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="sequence" role="img" aria-labelledby="${id}-title" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<title id="${id}-title">${xml(title)}</title>`,
    `<defs><marker id="${id}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>`,
    heads,
    ...body,
    '</svg>',
  ].join('\n')
}
