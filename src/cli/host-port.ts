/** `host:port` (IPv6 in brackets, `[::1]:12345`) as given to --to and --target; undefined when it is not one. */
export function parseHostPort(text: string): { host: string; port: number } | undefined {
  const match = /^(.+):(\d{1,5})$/.exec(text)
  const port = Number(match?.[2])
  if (!match || port < 1 || port > 65_535) return undefined
  return { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port }
}
