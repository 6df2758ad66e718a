import type { ClientOptions } from '../config/client-options.js'
import { terminalText } from '../text/visible-text.js'
import { connectRetrying } from './raw-agent.js'

export interface RawConsoleIo {
  /** Lines to send instead of reading input (`--command`), each with a line end; then the connection is closed. */
  commands?: readonly string[]
  input: NodeJS.ReadableStream
  output: NodeJS.WritableStream
  /** Output goes to a terminal: what the server sent is shown with its control characters escaped. */
  escape: boolean
}

/**
 * `socklab client --mode raw`: a plain TCP connection to any server, as netcat makes one. What is typed (or
 * given with --command, a line each) is sent as it is; what the server sends is printed as it comes. Ends
 * when the server closes, or once the input has ended and the server has closed too. Resolves with how.
 */
export async function runRawConsole(options: Readonly<ClientOptions>, io: RawConsoleIo): Promise<'closed' | 'reset'> {
  const socket = await connectRetrying(options)
  let how: 'closed' | 'reset' = 'closed'
  socket.on('data', (chunk: Buffer) => io.output.write(io.escape ? terminalText(chunk.toString('utf8')) : chunk))
  socket.on('error', () => (how = 'reset'))
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  if (io.commands) {
    for (const command of io.commands) socket.write(`${command}\n`)
    socket.end()
  } else {
    io.input.on('data', (chunk: Buffer | string) => socket.write(chunk))
    io.input.once('end', () => socket.end())
    void closed.then(() => (io.input as NodeJS.ReadStream).pause?.())
  }
  await closed
  return how
}
