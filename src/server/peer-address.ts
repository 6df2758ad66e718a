import type { Socket } from 'node:net'

/** The peer's address as the original printed it: IPv4-mapped IPv6 addresses shown as plain IPv4. */
export function peerAddress(socket: Socket): { address: string; port: number } | undefined {
  const { remoteAddress, remotePort } = socket
  if (remoteAddress === undefined || remotePort === undefined) return undefined
  return { address: remoteAddress.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, ''), port: remotePort }
}
