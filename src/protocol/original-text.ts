/** The original system's fixed texts, byte for byte (compatible mode and console lines). */
export const SERVER_FULL = 'Server is full. Try again later.'
export const NO_FILES = 'No files available.'
export const FILE_NOT_FOUND = 'File not found'
export const CLIENT_BANNER =
  "Connected to server. Type messages, 'status' for server status, 'list' for files, 'get <filename>' to download, 'exit' to disconnect."
export const CLIENT_PROMPT = 'You: '
export const CLIENT_REPLY_PREFIX = 'Server: '
export const CLIENT_DISCONNECTED = 'Disconnected from server.'

export const echoReply = (text: string): string => `${text} ACK`

/** Python's repr of a socket address: `('10.0.0.248', 60658)`, or the 4-tuple of an IPv6 socket. */
export function pythonAddress(address: string, port: number): string {
  return address.includes(':') ? `('${address}', ${port}, 0, 0)` : `('${address}', ${port})`
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0')

/** Python's `str(datetime.now())`: local time, microseconds omitted when they are zero. */
export function pythonDateTime(epochMicros: number): string {
  const date = new Date(Math.floor(epochMicros / 1000))
  const micros = Math.floor(epochMicros % 1_000_000)
  const base =
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  return micros === 0 ? base : `${base}.${pad(micros, 6)}`
}

export function statusLine(name: string, address: string, port: number, connectedAtMicros: number): string {
  return `${name}: ${pythonAddress(address, port)} - Connected at ${pythonDateTime(connectedAtMicros)}`
}

export function listReply(names: readonly string[]): string {
  return names.length === 0 ? NO_FILES : names.join('\n')
}
