/** What a server's last console lines say about why it did not start, in a sentence; undefined when nothing is known. */
export function startDiagnosis(output: string, port: number): string | undefined {
  const known: Array<[RegExp, string]> = [
    [/address already in use|EADDRINUSE|Errno 98/i, `the port was taken: another process listens on it, or the server binds a port of its own instead of ${port}, the one it is given`],
    [/permission denied|EACCES|Errno 13/i, 'permission denied: a port below 1024, or a file it may not read'],
    [/cannot assign requested address|EADDRNOTAVAIL|Errno 99/i, 'it binds an address this machine does not have'],
    [/ModuleNotFoundError|ImportError|Cannot find module/, 'a module it imports is missing'],
    [/SyntaxError|IndentationError/, 'its source does not parse'],
    [/No such file or directory|ENOENT/, 'a file it needs (or its command) does not exist'],
  ]
  for (const [pattern, why] of known) if (pattern.test(output)) return why
  return undefined
}
