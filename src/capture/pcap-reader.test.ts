import { describe, expect, it } from 'vitest'
import { readPcap } from './pcap-reader.js'

/** A TCP segment over IPv4, 10.0.0.1:40000 → 10.0.0.2:12345, with these flags and payload. */
function ipv4Tcp(flags: number, payload: string): Buffer {
  const data = Buffer.from(payload)
  const tcp = Buffer.alloc(20)
  tcp.writeUInt16BE(40000, 0)
  tcp.writeUInt16BE(12345, 2)
  tcp.writeUInt32BE(7, 4)
  tcp[12] = 5 << 4
  tcp[13] = flags
  const ip = Buffer.alloc(20)
  ip[0] = 0x45
  ip.writeUInt16BE(20 + 20 + data.length, 2)
  ip[9] = 6
  Buffer.from([10, 0, 0, 1]).copy(ip, 12)
  Buffer.from([10, 0, 0, 2]).copy(ip, 16)
  return Buffer.concat([ip, tcp, data])
}

/** A pcap file of these frames, little- or big-endian, microsecond or nanosecond times. */
function pcap(link: number, frames: Buffer[], { big = false, nanos = false } = {}): Buffer {
  const u32 = (n: number) => {
    const b = Buffer.alloc(4)
    if (big) b.writeUInt32BE(n)
    else b.writeUInt32LE(n)
    return b
  }
  const header = Buffer.concat([u32(nanos ? 0xa1b23c4d : 0xa1b2c3d4), Buffer.from(big ? [0, 2, 0, 4] : [2, 0, 4, 0]), u32(0), u32(0), u32(262144), u32(link)])
  const records = frames.map((frame, i) => Buffer.concat([u32(1_700_000_000 + i), u32(nanos ? 250_000_000 : 250_000), u32(frame.length), u32(frame.length), frame]))
  return Buffer.concat([header, ...records])
}

const ethernet = (ip: Buffer, type = 0x0800) => Buffer.concat([Buffer.alloc(12), Buffer.from([type >> 8, type & 0xff]), ip])

describe('readPcap', () => {
  it('reads Ethernet frames (a bridge, the loopback) into TCP packets, and counts the rest', () => {
    const file = pcap(1, [ethernet(ipv4Tcp(0x02, '')), ethernet(ipv4Tcp(0x18, 'hello ACK')), ethernet(Buffer.alloc(28), 0x0806)])
    const { packets, others } = readPcap(file)
    expect(others).toBe(1)
    expect(packets).toHaveLength(2)
    expect(packets[0]).toMatchObject({ atMs: 1_700_000_000_250, from: '10.0.0.1:40000', to: '10.0.0.2:12345', flags: ['SYN'], length: 0, seq: 7 })
    expect(packets[1]!.flags).toEqual(['PSH', 'ACK'])
    expect(packets[1]!.payload.toString()).toBe('hello ACK')
    expect(packets[1]!.length).toBe(9)
  })

  it('reads big-endian files with nanosecond times, and Linux cooked (-i any) frames', () => {
    const sll2 = Buffer.concat([Buffer.from([0x08, 0x00]), Buffer.alloc(18), ipv4Tcp(0x11, '')])
    const { packets } = readPcap(pcap(276, [sll2], { big: true, nanos: true }))
    expect(packets).toEqual([expect.objectContaining({ atMs: 1_700_000_000_250, flags: ['FIN', 'ACK'] })])
    const sll = Buffer.concat([Buffer.alloc(14), Buffer.from([0x08, 0x00]), ipv4Tcp(0x04, '')])
    expect(readPcap(pcap(113, [sll])).packets[0]!.flags).toEqual(['RST'])
  })

  it('keeps a payload cut at the snapshot length, with its length on the wire', () => {
    const frame = ethernet(ipv4Tcp(0x18, 'x'.repeat(100)))
    const file = pcap(1, [frame])
    // The record says 60 bytes were captured of the frame.
    file.writeUInt32LE(60, 24 + 8)
    const cut = Buffer.concat([file.subarray(0, 24 + 16), frame.subarray(0, 60)])
    const [packet] = readPcap(cut).packets
    expect(packet!.length).toBe(100)
    expect(packet!.payload.length).toBe(60 - 14 - 40)
  })

  it('refuses what is not pcap, saying how it begins', () => {
    expect(() => readPcap(Buffer.from('0a0d0d0a'.repeat(8), 'hex'))).toThrow(/not a pcap file: it begins 0a0d0d0a/)
    expect(() => readPcap(Buffer.alloc(3))).toThrow(/less than its header/)
  })
})
