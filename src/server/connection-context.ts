import type { ServerOptions } from '../config/server-options.js'
import type { EventLog } from '../events/server-event.js'
import type { ClientRegistry } from './client-registry.js'
import type { FileStore } from './file-store.js'

/** What every connection shares: resolved options, the registry, the files and the log. */
export interface ConnectionContext {
  readonly options: Readonly<ServerOptions>
  readonly registry: ClientRegistry
  readonly store: FileStore
  readonly log: EventLog
}
