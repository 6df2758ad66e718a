import { rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import type { ClientRegistry } from './client-registry.js'

export interface HealthReport {
  status: 'ok'
  port: number
  clients: number
  maxClients: number
}

/**
 * A Unix socket that answers one JSON line about the server and closes. Health checks use it instead of the
 * TCP port, so probing neither takes a client slot nor shows up as a connection in the logs.
 */
export async function startHealthEndpoint(path: string, registry: ClientRegistry, port: number): Promise<Server> {
  await rm(path, { force: true })
  const server = createServer((socket) => {
    const report: HealthReport = { status: 'ok', port, clients: registry.size, maxClients: registry.maxClients }
    socket.on('error', () => socket.destroy())
    socket.end(`${JSON.stringify(report)}\n`)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(path, () => resolve())
  })
  server.unref()
  return server
}
