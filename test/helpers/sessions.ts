import type { ClientOptions } from '../../config/client-options.js'
import { resolveClientOptions } from '../../config/client-options.js'
import { openSession } from '../../client/open-session.js'
import type { Session } from '../../client/reply.js'

/** A socklab client session to a test server, closed on dispose. */
export async function session(port: number, options: Partial<ClientOptions> = {}): Promise<Session & Disposable> {
  const opened = await openSession(resolveClientOptions({ port, ...options }))
  return Object.assign(opened, { [Symbol.dispose]: () => opened.close() })
}
