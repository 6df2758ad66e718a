import { createServer } from 'node:net'

/** A port this test holds (listening on every address), so that a server told to bind it cannot. */
export async function listeningSocket(): Promise<{ port: number } & AsyncDisposable> {
  const server = createServer((socket) => socket.destroy())
  await new Promise<void>((resolve) => server.listen(0, resolve))
  const { port } = server.address() as { port: number }
  return { port, [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}
