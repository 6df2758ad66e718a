import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodeFrameHeader, FrameType, HELLO } from '../../src/index.js'

type FrameTypeValue = (typeof FrameType)[keyof typeof FrameType]

/**
 * One connection to a server that behaves however a test tells it: it speaks bytes and frames, not the
 * protocol, so it can lie about sizes, send frames out of order, or say nothing at all.
 */
export interface HostileConnection {
  socket: Socket
  /** Framed mode: waits for the client's HELLO. */
  hello(): Promise<void>
  /** A WELCOME frame with `payload` (a proper one by default), or any bytes. */
  welcome(payload?: unknown): void
  /** The next command: a COMMAND frame's text in framed mode, the next bare bytes in compatible mode. */
  command(): Promise<string>
  /** A frame of any type with any payload (objects are sent as JSON, strings as UTF-8). */
  frame(type: FrameTypeValue | number, payload?: unknown): boolean
  /** A whole, honest file transfer of `bytes` (FILE_START, FILE_DATA, FILE_END) with the given overrides. */
  file(name: string, bytes: Buffer, start?: Record<string, unknown>): void
  raw(bytes: Buffer | string): boolean
  /** Resolves once the client has closed its end (or the connection is gone). */
  closed: Promise<void>
}

export interface HostileServer extends AsyncDisposable {
  port: number
  /** A scratch download folder, removed on dispose. */
  downloads: string
  /** What is left in the download folder, hidden files included. */
  leftovers(): Promise<string[]>
  /** Rejections of the behaviour (an assertion inside it), for the test to check. */
  failures: unknown[]
}

export const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

export const WELCOME = { protocol: 'socklab', version: 1, client: 'Client01', maxCommandLength: 4096 }

/** A TCP server on a free loopback port that runs `behaviour` for every connection. */
export async function startHostileServer(behaviour: (connection: HostileConnection) => Promise<void> | void): Promise<HostileServer> {
  const downloads = await mkdtemp(join(tmpdir(), 'socklab-hostile-'))
  const sockets = new Set<Socket>()
  const failures: unknown[] = []
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => undefined)
    socket.once('close', () => sockets.delete(socket))
    Promise.resolve(behaviour(connectionOf(socket))).catch((error: unknown) => {
      if (!socket.destroyed) failures.push(error)
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    downloads,
    failures,
    leftovers: () => readdir(downloads),
    async [Symbol.asyncDispose]() {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
      await rm(downloads, { recursive: true, force: true })
    },
  }
}

function connectionOf(socket: Socket): HostileConnection {
  let buffered = Buffer.alloc(0)
  const waiters: Array<() => void> = []
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk])
    for (const wake of waiters.splice(0)) wake()
  })
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  socket.once('end', () => {
    for (const wake of waiters.splice(0)) wake()
  })
  const until = async (ready: () => boolean): Promise<void> => {
    while (!ready()) {
      if (socket.readableEnded || socket.destroyed) throw new Error('the client went away')
      await new Promise<void>((resolve) => waiters.push(resolve))
    }
  }
  const framed = () => buffered.length > 0 && buffered[0] === FrameType.COMMAND
  const connection: HostileConnection = {
    socket,
    closed,
    async hello() {
      await until(() => buffered.length >= HELLO.length)
      buffered = buffered.subarray(HELLO.length)
    },
    welcome(payload = WELCOME) {
      connection.frame(FrameType.WELCOME, payload)
    },
    async command() {
      await until(() => buffered.length > 0 && (!framed() || (buffered.length >= 5 && buffered.length >= 5 + buffered.readUInt32BE(1))))
      if (!framed()) {
        const text = buffered.toString('utf8')
        buffered = Buffer.alloc(0)
        return text
      }
      const length = buffered.readUInt32BE(1)
      const text = buffered.subarray(5, 5 + length).toString('utf8')
      buffered = buffered.subarray(5 + length)
      return text
    },
    frame(type, payload) {
      const body =
        payload === undefined ? Buffer.alloc(0)
        : Buffer.isBuffer(payload) ? payload
        : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload), 'utf8')
      return socket.write(Buffer.concat([encodeFrameHeader(type as FrameTypeValue, body.length), body]))
    },
    file(name, bytes, start = {}) {
      connection.frame(FrameType.FILE_START, { name, size: bytes.length, sha256: sha256(bytes), ...start })
      connection.frame(FrameType.FILE_DATA, bytes)
      connection.frame(FrameType.FILE_END)
    },
    raw: (bytes) => socket.write(bytes),
  }
  return connection
}
