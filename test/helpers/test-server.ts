import { randomBytes } from 'node:crypto'
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EventStream, type ServerOptions, type StartedServer, startServer } from '../../src/index.js'

export interface TestServer extends AsyncDisposable {
  server: StartedServer
  log: EventStream
  port: number
  files: string
  /** A scratch folder for downloads, removed with the server. */
  downloads: string
}

const SHIPPED_FILES = new URL('../../server_files/', import.meta.url)

/** An in-process server on a free loopback port, serving a temporary copy of server_files/. */
export async function startTestServer(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const root = await mkdtemp(join(tmpdir(), 'socklab-test-'))
  const files = join(root, 'server_files')
  const downloads = join(root, 'downloads')
  await cp(SHIPPED_FILES, files, { recursive: true })
  await mkdir(downloads)
  const log = new EventStream()
  const server = await startServer({ host: '127.0.0.1', port: 0, logFormat: 'json', ...options, files }, { logStream: log })
  return {
    server,
    log,
    port: server.port,
    files,
    downloads,
    async [Symbol.asyncDispose]() {
      await server.stop('test-end')
      await rm(root, { recursive: true, force: true })
    },
  }
}

export async function writeRandomFile(folder: string, name: string, size: number): Promise<Buffer> {
  const bytes = randomBytes(size)
  await writeFile(join(folder, name), bytes)
  return bytes
}
