import { defaultsOf, resolveOptions, type OptionSpecs, type OptionValues } from './option-spec.js'

/** How the server writes its events (events/event-log.ts): pino JSON lines, pino-pretty, or the original's lines. */
export const LOG_FORMATS = ['json', 'pretty', 'plain'] as const
export type LogFormat = (typeof LOG_FORMATS)[number]

const KiB = 1024
const MiB = 1024 * KiB

/** Every server setting and limit, with its default. Each is also `SOCKLAB_<NAME>` in the environment. */
export const SERVER_OPTION_SPECS = {
  host: { type: 'string', default: '0.0.0.0', describe: 'address to listen on' },
  port: { type: 'number', default: 12345, min: 0, max: 65535, describe: 'TCP port to listen on (0: any free port)' },
  maxClients: { type: 'number', default: 3, min: 1, max: 10_000, describe: 'clients admitted at once; more are told "Server is full"' },
  files: { type: 'string', default: './server_files', describe: 'folder served by list and get' },
  logFormat: {
    type: 'string',
    default: 'auto',
    choices: ['auto', ...LOG_FORMATS],
    describe: 'json (pino lines), pretty, or plain (the original console lines); auto: pretty on a terminal, else json',
  },
  maxCommandLength: { type: 'number', default: 4 * KiB, min: 16, max: 16 * MiB, describe: 'longest command accepted, in bytes' },
  idleTimeoutMs: { type: 'number', default: 300_000, min: 50, describe: 'a client silent this long is disconnected (reason timeout)' },
  commandTimeoutMs: { type: 'number', default: 10_000, min: 50, describe: 'time allowed to finish sending a started command or frame' },
  maxSessionMs: {
    type: 'number',
    default: 0,
    min: 0,
    describe: 'a client connected this long is disconnected (reason timeout), however busy; 0: no limit',
  },
  compatFlushMs: {
    type: 'number',
    default: 10,
    min: 0,
    max: 5_000,
    describe: 'compatible mode: wait this long for more bytes before a command without newline is taken as whole',
  },
  maxQueuedCommands: { type: 'number', default: 64, min: 1, max: 100_000, describe: 'commands read ahead per client before reading pauses' },
  statusHistory: { type: 'number', default: 10, min: 0, max: 10_000, describe: 'recent disconnects shown by status in framed mode' },
  shutdownGraceMs: { type: 'number', default: 1_500, min: 0, max: 60_000, describe: 'on SIGTERM/SIGINT, time clients get before their sockets are destroyed' },
  maxConnections: {
    type: 'number',
    default: 0,
    min: 0,
    describe: 'most TCP connections open at once, rejected ones included; past it one is closed unanswered and counted in a connections_dropped event (0: what the open-file limit allows, less a reserve)',
  },
  rejectLingerMs: { type: 'number', default: 2_000, min: 0, max: 60_000, describe: 'how long a rejected connection may stay open to read its last bytes' },
  healthSocket: {
    type: 'string',
    default: '',
    describe: 'also answer health probes on this Unix socket (`socklab probe`); probes take no client slot',
  },
  chunkSize: { type: 'number', default: 1 * MiB, min: 1 * KiB, max: 64 * MiB, describe: 'file bytes read and sent per chunk' },
  progressIntervalMs: {
    type: 'number',
    default: 500,
    min: 0,
    max: 3_600_000,
    describe: 'a transfer logs transfer_progress at most this often (ms; 0: never), for live views such as the lab dashboard',
  },
} satisfies OptionSpecs

export type ServerOptions = OptionValues<typeof SERVER_OPTION_SPECS>
export const SERVER_DEFAULTS: Readonly<ServerOptions> = Object.freeze(defaultsOf(SERVER_OPTION_SPECS))

export function resolveServerOptions(input: Partial<ServerOptions> = {}): Readonly<ServerOptions> {
  return resolveOptions(SERVER_OPTION_SPECS, input)
}
