import { type ClientOptions, openSession, resolveClientOptions, type Session } from '../../src/index.js'

/** A socklab client session to a test server, closed on dispose. */
export async function session(port: number, options: Partial<ClientOptions> = {}): Promise<Session & Disposable> {
  const opened = await openSession(resolveClientOptions({ port, ...options }))
  return Object.assign(opened, { [Symbol.dispose]: () => opened.close() })
}
