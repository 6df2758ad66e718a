/**
 * Reads a classic pcap file (what `tcpdump -w` writes) into its TCP packets: when, from and to which
 * address and port, the flags, and the payload. Pure: bytes in, packets out. Link types read: Ethernet
 * (a bridge, loopback), Linux cooked v1 and v2 (`-i any`), raw IP and BSD loopback; IPv4 and IPv6. Packets
 * of anything else (ARP, UDP) are counted and left out.
 */

export interface TcpPacket {
  /** Epoch ms (fractional: microseconds or nanoseconds kept). */
  atMs: number
  from: string
  to: string
  /** SYN, FIN, RST, PSH, ACK: the flags set, in words. */
  flags: string[]
  seq: number
  /** The TCP payload as captured (cut at the snapshot length, when it was). */
  payload: Buffer
  /** The payload's length on the wire. */
  length: number
}

export interface PcapContents {
  packets: TcpPacket[]
  /** Packets that were not TCP over IP. */
  others: number
}

const LINK = { NULL: 0, ETHERNET: 1, RAW: 101, LINUX_SLL: 113, LINUX_SLL2: 276 } as const
/** In Wireshark's order: [SYN, ACK], [PSH, ACK], [FIN, ACK]. */
const FLAG_NAMES: Array<[number, string]> = [
  [0x02, 'SYN'],
  [0x01, 'FIN'],
  [0x04, 'RST'],
  [0x08, 'PSH'],
  [0x10, 'ACK'],
]

/** A pcap file's packets; throws on a file that is not pcap (pcapng included: tcpdump -w writes pcap). */
export function readPcap(file: Buffer): PcapContents {
  if (file.length < 24) throw new Error(`not a pcap file: ${file.length} bytes, less than its header`)
  const magic = file.readUInt32LE(0)
  const little = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d
  const big = file.readUInt32BE(0) === 0xa1b2c3d4 || file.readUInt32BE(0) === 0xa1b23c4d
  if (!little && !big) throw new Error(`not a pcap file: it begins ${file.subarray(0, 4).toString('hex')}`)
  const u32 = (at: number) => (little ? file.readUInt32LE(at) : file.readUInt32BE(at))
  const nanos = (little ? magic : file.readUInt32BE(0)) === 0xa1b23c4d
  const link = u32(20) & 0x0fffffff
  const packets: TcpPacket[] = []
  let others = 0
  for (let at = 24; at + 16 <= file.length; ) {
    const seconds = u32(at)
    const fraction = u32(at + 4)
    const captured = u32(at + 8)
    const frame = file.subarray(at + 16, Math.min(file.length, at + 16 + captured))
    at += 16 + captured
    const atMs = seconds * 1000 + (nanos ? fraction / 1e6 : fraction / 1e3)
    const packet = tcpOf(frame, link, atMs)
    if (packet) packets.push(packet)
    else others += 1
  }
  return { packets, others }
}

/** The IP packet inside a frame of this link type, with its ether type (0x0800 IPv4, 0x86dd IPv6). */
function ipOf(frame: Buffer, link: number): { type: number; ip: Buffer } | undefined {
  if (link === LINK.ETHERNET && frame.length >= 14) {
    let type = frame.readUInt16BE(12)
    let offset = 14
    if (type === 0x8100 && frame.length >= 18) [type, offset] = [frame.readUInt16BE(16), 18]
    return { type, ip: frame.subarray(offset) }
  }
  if (link === LINK.LINUX_SLL && frame.length >= 16) return { type: frame.readUInt16BE(14), ip: frame.subarray(16) }
  if (link === LINK.LINUX_SLL2 && frame.length >= 20) return { type: frame.readUInt16BE(0), ip: frame.subarray(20) }
  if (link === LINK.RAW && frame.length >= 1) return { type: frame[0]! >> 4 === 6 ? 0x86dd : 0x0800, ip: frame }
  if (link === LINK.NULL && frame.length >= 4) {
    const family = frame.readUInt32LE(0)
    return { type: family === 2 ? 0x0800 : 0x86dd, ip: frame.subarray(4) }
  }
  return undefined
}

function tcpOf(frame: Buffer, link: number, atMs: number): TcpPacket | undefined {
  const found = ipOf(frame, link)
  if (!found) return undefined
  const { type, ip } = found
  let source: string
  let destination: string
  let segment: Buffer
  let segmentLength: number
  if (type === 0x0800 && ip.length >= 20 && ip[9] === 6) {
    const header = (ip[0]! & 0x0f) * 4
    const total = ip.readUInt16BE(2)
    source = [...ip.subarray(12, 16)].join('.')
    destination = [...ip.subarray(16, 20)].join('.')
    segment = ip.subarray(header, total)
    segmentLength = total - header
  } else if (type === 0x86dd && ip.length >= 40 && ip[6] === 6) {
    source = `[${ipv6(ip.subarray(8, 24))}]`
    destination = `[${ipv6(ip.subarray(24, 40))}]`
    segment = ip.subarray(40, 40 + ip.readUInt16BE(4))
    segmentLength = ip.readUInt16BE(4)
  } else return undefined
  if (segment.length < 20) return undefined
  const offset = (segment[12]! >> 4) * 4
  const bits = segment[13]!
  return {
    atMs,
    from: `${source}:${segment.readUInt16BE(0)}`,
    to: `${destination}:${segment.readUInt16BE(2)}`,
    flags: FLAG_NAMES.filter(([bit]) => bits & bit).map(([, name]) => name),
    seq: segment.readUInt32BE(4),
    payload: segment.subarray(offset),
    length: Math.max(0, segmentLength - offset),
  }
}

const ipv6 = (bytes: Buffer): string =>
  Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2).toString(16))
    .join(':')
    .replace(/(^|:)0(:0)+(:|$)/, '::')
