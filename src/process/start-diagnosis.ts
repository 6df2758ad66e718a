import { SocklabError } from '../errors/socklab-error.js'

/** What a server's last console lines say about why it did not start, in a sentence; undefined when nothing is known. */
export function startDiagnosis(output: string, port: number, ownPort?: string): string | undefined {
  const taken = ownPort
    ? `port ${port} (${ownPort}) was already in use when it bound it: a socket of its own opened on it before, or another program still listening there (restarted without SO_REUSEADDR, it finds its old connections still holding the port)`
    : `the port was taken: another process listens on it, or the server binds a port of its own instead of ${port}, the one it is given`
  const known: Array<[RegExp, string]> = [
    [/address already in use|EADDRINUSE|Errno 98/i, taken],
    [/permission denied|EACCES|Errno 13/i, 'permission denied: a port below 1024, or a file it may not read'],
    [/cannot assign requested address|EADDRNOTAVAIL|Errno 99/i, 'it binds an address this machine does not have'],
    [/ModuleNotFoundError|ImportError|Cannot find module/, 'a module it imports is missing'],
    [/SyntaxError|IndentationError/, 'its source does not parse'],
    [/No such file or directory|ENOENT/, 'a file it needs (or its command) does not exist'],
  ]
  for (const [pattern, why] of known) if (pattern.test(output)) return why
  return undefined
}

/** What a server that did not start was, for its one message. */
export interface StartFailure {
  server: string
  why: string
  /** The command, and where it ran. */
  ran: string
  /** The line or port waited for, and how long. */
  waited: string
  /** Everything it printed. */
  output: string
  port: number
  /** A server as written: where it names the port it binds itself (`PORT on line 12`), for the port-in-use cause. */
  ownPort?: string
}

/** The one message of a server that did not start: what ran, what was waited for, the likely cause, its last lines. */
export function startFailure(f: StartFailure): SocklabError {
  const tail = f.output.trim().split('\n').slice(-5).map((line) => `    ${line}`).join('\n')
  const cause = startDiagnosis(f.output, f.port, f.ownPort)
  return new SocklabError(
    'SOCKLAB_LISTEN_FAILED',
    [
      `the ${f.server} server did not start: ${f.why}`,
      `  ran: ${f.ran}`,
      `  waited for: ${f.waited}`,
      ...(cause ? [`  likely cause: ${cause}`] : []),
      f.output.trim() ? `  its last lines:\n${tail}` : '  it printed nothing',
    ].join('\n'),
  )
}
