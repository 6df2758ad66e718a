import { spawn } from 'node:child_process'
import { SOCKLAB_BIN } from './processes.js'

/**
 * The interactive client on a real pseudo-terminal (`script` gives it one): what a person sees and types.
 * Ctrl-C is the byte 0x03 typed at that terminal, as a keyboard sends it.
 */
export const clientOnTerminal = (args: string[]) => socklabOnTerminal(['client', ...args])

/** Any socklab command on a real pseudo-terminal, as a person runs it (its output sees a TTY). */
export function socklabOnTerminal(args: string[]) {
  const command = [process.execPath, SOCKLAB_BIN, ...args].map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ')
  const child = spawn('script', ['-qfec', command, '/dev/null'], { env: { ...process.env, TERM: 'xterm', COLUMNS: '100', LINES: '30' } })
  let screen = ''
  const waiters = new Set<() => void>()
  child.stdout.on('data', (chunk: Buffer) => {
    screen += chunk.toString('utf8')
    for (const wake of [...waiters]) wake()
  })
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
  return {
    type: (text: string) => child.stdin.write(text),
    screen: () => screen,
    /** Resolves with the screen once `pattern` appears after `from` (an offset into everything shown). */
    waitFor: (pattern: RegExp, from = 0) =>
      new Promise<string>((resolve, reject) => {
        const check = () => {
          if (pattern.test(screen.slice(from))) {
            waiters.delete(check)
            resolve(screen)
          } else if (child.exitCode !== null) {
            waiters.delete(check)
            reject(new Error(`socklab ${args[0]} exited before showing ${pattern}:\n${screen}`))
          }
        }
        waiters.add(check)
        check()
      }),
    exited,
    kill: () => child.kill('SIGKILL'),
  }
}

