/**
 * Bytes that crossed the wire, shown so a person can read them: printable UTF-8 text as text (its line ends
 * and tabs escaped, `"+PONG\r\n"`), anything else as hex (`hex: 2a 31 0d 0a`); past `max` characters cut,
 * with the whole length said.
 */
export function describeBytes(bytes: Uint8Array, max = 160): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (buffer.length === 0) return 'nothing'
  const text = printableText(buffer)
  const cut = (shown: string, limit: number) => (shown.length > limit ? `${shown.slice(0, limit)}… (${buffer.length} bytes)` : shown)
  if (text !== undefined) return cut(JSON.stringify(text), max)
  return cut(`hex: ${hex(buffer.subarray(0, Math.ceil(max / 3) + 1))}`, max)
}

/** Space-separated hex pairs. */
export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex').replace(/(..)(?!$)/g, '$1 ')

/** The bytes as text when they are valid UTF-8 with no control characters but tab, CR and LF. */
export function printableText(bytes: Buffer): string | undefined {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes)
  // A cut UTF-8 sequence at the end is still text (the rest is in the next chunk).
  const whole = text.replace(/\uFFFD{1,3}$/, '')
  // eslint-disable-next-line no-control-regex
  if (whole.includes('\uFFFD') || /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/.test(whole)) return undefined
  return text
}

/**
 * `hex: 2a 31 0d 0a` (spaces, colons optional) as those bytes; any other text as its UTF-8 bytes. Undefined
 * for a `hex:` value that is not whole hex pairs.
 */
export function bytesOf(value: string): Buffer | undefined {
  const given = /^\s*hex:(.*)$/is.exec(value)
  if (!given) return Buffer.from(value, 'utf8')
  const digits = given[1]!.replace(/[\s:]/g, '')
  if (!/^(?:[0-9a-f]{2})*$/i.test(digits)) return undefined
  return Buffer.from(digits, 'hex')
}
