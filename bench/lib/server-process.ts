import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'

export interface RunningServer {
  child: ChildProcess
  pid: number
  port: number
  stop(): Promise<void>
}

/**
 * Starts a server process and waits until it prints `ready` (a line matching it, from which `port` reads the
 * port). Its output is read to the end and dropped, so a server that logs never blocks on a full pipe.
 */
export async function startProcess(command: string, args: string[], ready: RegExp, env: NodeJS.ProcessEnv = {}): Promise<RunningServer> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...cleanEnv(), ...env } })
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    let found = false
    lines.on('line', (line) => {
      if (found) return
      const match = ready.exec(line)
      if (match) {
        found = true
        resolve(Number(match[1]))
      }
    })
    child.stderr!.on('data', () => undefined)
    child.once('exit', (code) => reject(new Error(`${command} ${args.join(' ')} exited with ${code} before it was ready`)))
  })
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()))
  return {
    child,
    pid: child.pid!,
    port,
    async stop() {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
      await exited
      clearTimeout(timer)
    },
  }
}

/** The caller's SOCKLAB_ variables would change what is measured: they are left out. */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('SOCKLAB_')))
}

export function socklabServer(entry: string, files: string, extra: string[] = []): Promise<RunningServer> {
  return startProcess(
    process.execPath,
    [entry, 'server', '--host', '127.0.0.1', '--port', '0', '--log-format', 'json', '--files', files, ...extra],
    /"event":"listening".*"port":(\d+)/,
  )
}
