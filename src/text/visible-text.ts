/**
 * Text someone else chose (a server's reply, a client's command), made safe to show: control characters
 * (C0, DEL, C1: escape sequences that clear the screen, retitle a window, move the cursor or fake a prompt)
 * and the bidirectional overrides that reorder what is shown become visible escapes (`\x1b`, `\u202e`).
 * Newlines and tabs are kept for a terminal (`terminalText`) and escaped for a log line (`logText`), where a
 * newline would forge a line of its own.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE_ON_TERMINAL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_LOG = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

const escape = (char: string): string => {
  const code = char.charCodeAt(0)
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
}

export const terminalText = (text: string): string => text.replace(UNSAFE_ON_TERMINAL, escape)

export const logText = (text: string): string => text.replace(UNSAFE_IN_LOG, escape)
