/**
 * Mode selection (docs/protocol.md, "Choosing the mode"). A socklab client opens with HELLO. The original
 * server treats it like any other text and answers `<HELLO> ACK`, which tells the client to fall back to
 * compatible mode; a socklab server answers with a WELCOME frame. HELLO starts with a NUL byte so that
 * no one types it by accident, and is valid UTF-8 so that the original server's decode accepts it.
 */
export const HELLO = Buffer.from('\u0000SOCKLAB/1\n', 'utf8')

/** What a compatible-only server (the original) answers to HELLO. */
export const HELLO_ECHO = Buffer.concat([HELLO, Buffer.from(' ACK', 'utf8')])

export type OpeningKind = 'framed' | 'compat' | 'undecided'

/** Classifies the first bytes a client sent: HELLO, a proper prefix of it, or anything else. */
export function classifyOpening(bytes: Buffer): OpeningKind {
  const length = Math.min(bytes.length, HELLO.length)
  if (bytes.subarray(0, length).equals(HELLO.subarray(0, length))) {
    return bytes.length >= HELLO.length ? 'framed' : 'undecided'
  }
  return 'compat'
}
