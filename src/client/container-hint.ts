import { existsSync } from 'node:fs'

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '0.0.0.0'])

/** Whether this process runs in a container (Docker writes /.dockerenv, Podman /run/.containerenv). */
export const inContainer = (): boolean => existsSync('/.dockerenv') || existsSync('/run/.containerenv')

/**
 * What to add to a refused or unreachable connection to a loopback address from inside a container: there,
 * 127.0.0.1 is the container itself, not the machine it runs on. Empty elsewhere.
 */
export function loopbackHint(host: string, container = inContainer()): string {
  if (!container || !(LOOPBACK.has(host) || host.startsWith('127.'))) return ''
  return (
    ` (inside a container, ${host} is the container itself: for a server on the machine that runs it, use ` +
    '--host host.docker.internal with `docker run --add-host host.docker.internal:host-gateway`; for one on your LAN, its address)'
  )
}
