/**
 * Docker's log framing for containers without a TTY: an 8-byte header per block (stream id, then length),
 * then the bytes. Returns each stream, and both in their original order.
 */
export function demultiplexLog(buffer: Buffer): { stdout: string; stderr: string; combined: string } {
  const parts: Record<number, Buffer[]> = { 1: [], 2: [] }
  const combined: Buffer[] = []
  let offset = 0
  while (offset + 8 <= buffer.length) {
    const length = buffer.readUInt32BE(offset + 4)
    const block = buffer.subarray(offset + 8, offset + 8 + length)
    parts[buffer[offset]!]?.push(block)
    combined.push(block)
    offset += 8 + length
  }
  const text = (blocks: Buffer[]) => Buffer.concat(blocks).toString('utf8')
  return { stdout: text(parts[1]!), stderr: text(parts[2]!), combined: text(combined) }
}
