/**
 * The address, port and folder a Python server (or client) of the assignment uses, read from its source
 * and never executed: the `SERVER_HOST = "192.168.2.53"` and `PORT = 12345` constants at the top of the
 * file, a literal `bind(("…", 12345))`, or the fallback of `int(sys.argv[1]) if len(sys.argv) > 1 else
 * 12345` (what it binds when run without arguments). Each value keeps its line, to point a student at it.
 */
export interface Found<T> {
  value: T
  /** 1-based line of the source. */
  line: number
  /** The constant's name, or `bind(…)`. */
  name: string
}

export interface SourceConstants {
  host?: Found<string>
  port?: Found<number>
  files?: Found<string>
  /** `MAX_CLIENTS = 3`: how many it admits at once. */
  maxClients?: Found<number>
  /** Where it first reads its command line (`sys.argv`): a server that does may be started with a port and folder. */
  readsArguments?: Found<string>
}

const HOST_NAMES = ['SERVER_HOST', 'HOST', 'SERVER_IP', 'IP', 'SERVER_ADDRESS', 'ADDRESS', 'HOST_IP']
const PORT_NAMES = ['SERVER_PORT', 'PORT', 'PORT_NUMBER']
const MAX_CLIENTS_NAMES = ['MAX_CLIENTS', 'MAX_CONNECTIONS', 'MAX_CLIENT']
const FILES_NAMES = ['FILE_REPOSITORY', 'SERVER_FILES', 'FILES_DIR', 'FILES_FOLDER', 'SHARED_FOLDER', 'FILE_DIR', 'FOLDER']

const STRING = String.raw`(?:'([^'\\\n]*)'|"([^"\\\n]*)")`
const ASSIGNMENT = /^([A-Z_][A-Z0-9_]*)\s*=\s*(.+?)\s*(?:#.*)?$/
/** A literal, or `… else <literal>` (the value without command-line arguments). */
const LITERAL = new RegExp(String.raw`^(?:.*\belse\s+)?(?:${STRING}|(\d+))\s*$`)
const BIND = new RegExp(String.raw`\.bind\(\s*\(\s*${STRING}\s*,\s*(\d+)\s*\)\s*\)`)

/** The constants of a source, by the first name of each kind that is set to a literal at the top level. */
export function sourceConstants(source: string): SourceConstants {
  const found: SourceConstants = {}
  const assigned = new Map<string, { value: string | number; line: number }>()
  const lines = source.split(/\r?\n/)
  lines.forEach((text, i) => {
    const assignment = ASSIGNMENT.exec(text)
    if (!assignment) return
    const literal = LITERAL.exec(assignment[2]!)
    if (!literal) return
    const value = literal[3] !== undefined ? Number(literal[3]) : (literal[1] ?? literal[2])!
    if (!assigned.has(assignment[1]!)) assigned.set(assignment[1]!, { value, line: i + 1 })
  })
  const pick = <T extends string | number>(names: readonly string[], kind: 'string' | 'number'): Found<T> | undefined => {
    for (const name of names) {
      const hit = assigned.get(name)
      if (hit && typeof hit.value === kind) return { value: hit.value as T, line: hit.line, name }
    }
    return undefined
  }
  found.host = pick<string>(HOST_NAMES, 'string')
  found.port = pick<number>(PORT_NAMES, 'number')
  found.files = pick<string>(FILES_NAMES, 'string')
  found.maxClients = pick<number>(MAX_CLIENTS_NAMES, 'number')
  if (!found.host || !found.port) {
    lines.forEach((text, i) => {
      const bind = BIND.exec(text)
      if (!bind) return
      found.host ??= { value: (bind[1] ?? bind[2])!, line: i + 1, name: 'bind(…)' }
      found.port ??= { value: Number(bind[3]), line: i + 1, name: 'bind(…)' }
    })
  }
  const argv = lines.findIndex((text) => /\bsys\.argv\b/.test(text.replace(/#.*$/, '')))
  if (argv >= 0) found.readsArguments = { value: 'sys.argv', line: argv + 1, name: 'sys.argv' }
  for (const key of ['host', 'port', 'files', 'maxClients'] as const) if (found[key] === undefined) delete found[key]
  return found
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1)$/

/**
 * What is wrong with the address a server binds, in a student's words, with its line: stray whitespace
 * (the bind fails), or loopback (clients on other machines cannot reach it). Undefined when nothing is.
 */
export function bindAddressProblem(host: Found<string>): string | undefined {
  const where = `${host.name} on line ${host.line}`
  if (host.value !== host.value.trim()) {
    return `${where} is ${JSON.stringify(host.value)}, with a space ${/^\s/.test(host.value) ? 'at its start' : 'at its end'}: no machine has that address, so bind fails (Cannot assign requested address). Remove the space`
  }
  if (LOOPBACK.test(host.value)) {
    return `${where} binds ${host.value}: only programs on the same machine can reach it, so clients on the other machines cannot connect. Bind 0.0.0.0 (every address) or the machine's own address on the lab network`
  }
  return undefined
}

/** Where a client's constants point elsewhere than its server's: the two lines to compare. Undefined when they agree. */
export function clientServerMismatch(server: SourceConstants, client: SourceConstants): string | undefined {
  const problems: string[] = []
  const wildcard = server.host && ['0.0.0.0', ''].includes(server.host.value.trim())
  if (server.host && client.host && !wildcard && server.host.value.trim() !== client.host.value.trim()) {
    problems.push(`the client connects to ${client.host.value} (${client.host.name}, line ${client.host.line} of client.py) but the server binds ${server.host.value} (${server.host.name}, line ${server.host.line} of server.py)`)
  }
  if (server.port && client.port && server.port.value !== client.port.value) {
    problems.push(`the client connects to port ${client.port.value} (line ${client.port.line} of client.py) but the server listens on ${server.port.value} (line ${server.port.line} of server.py)`)
  }
  return problems.length > 0 ? problems.join('; and ') : undefined
}
