/**
 * Text from a server, made safe for a terminal: control characters other than newline and tab (C0, DEL, C1:
 * escape sequences that clear the screen, retitle the window, move the cursor or fake a prompt) and the
 * bidirectional overrides that reorder what is shown are written as visible escapes (`\x1b`, `\u202e`).
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

export function terminalText(text: string): string {
  return text.replace(UNSAFE, (char) => {
    const code = char.charCodeAt(0)
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
  })
}
