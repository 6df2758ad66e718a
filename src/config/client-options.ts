import { resolveOptions, type OptionSpecs, type OptionValues } from './option-spec.js'

const MiB = 1024 * 1024

/** Every client setting and limit, with its default. Each is also `SOCKLAB_<NAME>` in the environment. */
export const CLIENT_OPTION_SPECS = {
  host: { type: 'string', default: '127.0.0.1', describe: 'server address' },
  port: { type: 'number', default: 12345, min: 1, max: 65535, describe: 'server port' },
  downloadDir: { type: 'string', default: '.', describe: 'folder where get saves files' },
  mode: {
    type: 'string',
    default: 'auto',
    choices: ['auto', 'framed', 'compat', 'raw'],
    describe: "auto: framed if the server offers it, else compatible; compat: never send the hello; raw: plain TCP to any server (what is typed is sent, what comes is printed, as netcat does)",
  },
  connectTimeoutMs: { type: 'number', default: 5_000, min: 1, describe: 'give up connecting after this long' },
  handshakeTimeoutMs: { type: 'number', default: 5_000, min: 1, describe: 'give up waiting for the answer to the hello after this long' },
  replyTimeoutMs: { type: 'number', default: 30_000, min: 1, describe: 'give up waiting for a reply (or the next bytes of a file) after this long' },
  compatQuietMs: {
    type: 'number',
    default: 150,
    min: 1,
    max: 60_000,
    describe: 'compatible mode: a reply is complete once the server is quiet this long (the original has no framing)',
  },
  maxReplyLength: { type: 'number', default: 64 * MiB, min: 1024, describe: 'largest text reply accepted, in bytes' },
  maxDownloadBytes: {
    type: 'number',
    default: 4 * 1024 * MiB,
    min: 1,
    describe: 'largest file get saves, in bytes (a framed server announces the size; the original does not)',
  },
  retry: { type: 'number', default: 0, min: 0, max: 1_000, describe: 'when the server is full or unreachable, try again this many times' },
  retryDelayMs: { type: 'number', default: 1_000, min: 0, describe: 'wait between retries' },
  waitForServerMs: {
    type: 'number',
    default: 0,
    min: 0,
    max: 3_600_000,
    describe: 'wait this long for a server that is not up yet (its name unknown, its port refusing or unreachable); a full server is not waited for (--retry is)',
  },
  progress: { type: 'boolean', default: true, describe: 'show a progress bar for get on a terminal' },
  holdMs: {
    type: 'number',
    default: 0,
    min: 0,
    max: 3_600_000,
    describe: 'stay connected this long before the final exit (lets scripted sessions overlap); with --hold-until-rejected, at most this long',
  },
  holdUntilRejected: {
    type: 'string',
    default: '',
    describe: "a file shared by a group of clients (the demo): the one turned away as the server is full writes it; the others keep their slots before the final exit until it is written (at most --hold-ms)",
  },
} satisfies OptionSpecs

export type ClientOptions = OptionValues<typeof CLIENT_OPTION_SPECS>

export function resolveClientOptions(input: Partial<ClientOptions> = {}): Readonly<ClientOptions> {
  return resolveOptions(CLIENT_OPTION_SPECS, input)
}
