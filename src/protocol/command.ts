export type Command =
  | { kind: 'exit' }
  | { kind: 'status' }
  | { kind: 'list' }
  | { kind: 'get'; name: string }
  | { kind: 'echo'; text: string }

/**
 * The original server's dispatch: exact words `exit`, `status`, `list`, a `get ` prefix, and anything
 * else is echoed. Surrounding white space around a file name is dropped (a trailing space typed by a
 * person is never part of a name socklab serves).
 */
export function parseCommand(text: string): Command {
  if (text === 'exit') return { kind: 'exit' }
  if (text === 'status') return { kind: 'status' }
  if (text === 'list') return { kind: 'list' }
  if (text.startsWith('get ')) return { kind: 'get', name: text.slice(4).trim() }
  return { kind: 'echo', text }
}
