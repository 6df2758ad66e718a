import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { readPcap, type TcpPacket } from '../capture/pcap-reader.js'
import { describeBytes, printableText } from '../text/wire-bytes.js'
import type { FailureBundle, PacketEntry, ScenarioResult } from './scenario-result.js'
import { failedStep, flatSteps, parseLog, timelineWithSteps, type StepEntry, type TimelineEntry } from './reports/report-data.js'

/** The packets around a failure shown in the report's timeline; the pcap keeps them all. */
export const PACKETS_SHOWN = 300
/** How far before the failing step began, and after it ended, the log slice and the packets shown reach. */
export const BEFORE_MS = 2_000
export const AFTER_MS = 1_000

/** The failure's window: around its failing step; for a passed scenario or a failure outside the steps, the whole run. */
export function failureWindow(r: ScenarioResult): { fromMs: number; toMs: number } {
  const step = r.verdict === 'failed' ? failedStep(r) : undefined
  if (step?.startedAtMs !== undefined) return { fromMs: step.startedAtMs! - BEFORE_MS, toMs: step.startedAtMs! + step.durationMs + AFTER_MS }
  const times = [...r.messages.map((m) => m.atMs), ...flatSteps(r.steps).flatMap((s) => (s.startedAtMs === undefined ? [] : [s.startedAtMs, s.startedAtMs + s.durationMs]))]
  return times.length > 0 ? { fromMs: Math.min(...times) - BEFORE_MS, toMs: Math.max(...times) + AFTER_MS } : { fromMs: 0, toMs: Number.MAX_SAFE_INTEGER }
}

/** A packet in words: `SYN`, `PSH ACK 10 B "hello ACK\n"`; `from`/`to` say `server` for the server's address. */
export function packetEntry(packet: TcpPacket, serverAddress: string | undefined): PacketEntry {
  const name = (address: string) => (address === serverAddress ? 'server' : address)
  const payload = packet.length > 0 ? ` ${packet.length} B ${printableText(packet.payload) === undefined ? dotted(packet.payload) : describeBytes(packet.payload, 100)}` : ''
  return { atMs: packet.atMs, from: name(packet.from), to: name(packet.to), text: `${packet.flags.join(' ')}${payload}` }
}

/** Bytes as tcpdump -A shows them: printable ASCII as is, every other byte a dot (a frame's header, then its text). */
const dotted = (bytes: Buffer, max = 100): string => {
  const shown = [...bytes.subarray(0, max)].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('')
  return `ascii: ${shown}${bytes.length > max ? '…' : ''}`
}

const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 23)

/** One line of the text timeline. */
function timelineLine(e: TimelineEntry | StepEntry): string {
  const at = clock(e.atMs)
  switch (e.kind) {
    case 'step':
      return `${at}  step      ${'  '.repeat(e.depth)}line ${e.line}: ${e.label} — ${e.verdict}`
    case 'message':
      return `${at}  message   ${e.from} → ${e.to}: ${e.text.replace(/\n/g, '\\n')}`
    case 'note':
      return `${at}  note      ${e.over}: ${e.text.replace(/\n/g, '\\n')}`
    case 'event':
      return `${at}  server    ${e.event}: ${e.text.replace(/\n/g, '\\n')}`
    case 'packet':
      return `${at}  packet    ${e.from} → ${e.to}: ${e.text}`
  }
}

/**
 * Writes the bundle into `dir` (where the target's logs are) and returns it: the log slice, the timeline,
 * and the capture's packets read back. A capture that cannot be read is said in its note, not thrown.
 */
export async function writeBundle(r: ScenarioResult, dir: string, capture: { file?: string; note: string }, serverAddress: string | undefined): Promise<FailureBundle> {
  const window = failureWindow(r)
  const inWindow = (atMs: number) => atMs >= window.fromMs && atMs <= window.toMs
  const bundle: FailureBundle = { dir, captureNote: capture.note, timeline: join(dir, 'timeline.txt'), window, packets: [] }
  if (capture.file) {
    try {
      const { packets } = readPcap(await readFile(capture.file))
      bundle.capture = capture.file
      bundle.packetsCaptured = packets.length
      bundle.packets = packets.filter((p) => inWindow(p.atMs)).slice(0, PACKETS_SHOWN).map((p) => packetEntry(p, serverAddress))
    } catch (error) {
      bundle.captureNote = `${capture.note}; its file cannot be read: ${(error as Error).message}`
    }
  }
  const slice = parseLog(r.serverLog).flatMap((e, i) => (inWindow(e.atMs) ? [r.serverLog[i]!] : []))
  if (slice.length > 0) {
    bundle.serverLogSlice = join(dir, 'server-around-failure.log')
    await writeFile(bundle.serverLogSlice, `${slice.join('\n')}\n`)
  }
  const entries = timelineWithSteps({ ...r, bundle })
  const head = [
    `# ${r.name} on ${r.target}: ${r.verdict}`,
    `# capture: ${bundle.capture ? `${bundle.capture} (${bundle.packetsCaptured} TCP packets; ${bundle.captureNote})` : bundle.captureNote}`,
    `# packets shown: those from ${clock(window.fromMs)} to ${clock(window.toMs)}${bundle.packets.length === PACKETS_SHOWN ? `, the first ${PACKETS_SHOWN}` : ''}`,
  ]
  await writeFile(bundle.timeline, `${[...head, ...entries.map(timelineLine)].join('\n')}\n`)
  return bundle
}

/** A passed scenario's capture, not kept (`--capture on-failure`). */
export const dropCapture = (file: string): Promise<void> => rm(file, { force: true })
