import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { closeSync, openSync, readFileSync, rmSync, watch } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
// The caller's SOCKLAB_ variables would change what is measured: they are left out, as in scenarios.
import { cleanEnv, startServerProcess } from '../../src/index.js'

export interface RunningServer {
  child: ChildProcess
  pid: number
  port: number
  stop(): Promise<unknown>
}

/**
 * Starts a server that is not socklab's (the raw baselines, the original Python server) and waits until it prints `ready` (a line matching it, from which `port` reads the
 * port). Its output is read to the end and dropped, so a server that logs never blocks on a full pipe. With
 * `logFile`, standard output goes to that file instead, as `server > file` would: the bench process (often
 * also the client being measured) then never wakes up for the server's log lines.
 */
export async function startProcess(
  command: string,
  args: string[],
  ready: RegExp,
  env: NodeJS.ProcessEnv = {},
  { logFile }: { logFile?: string } = {},
): Promise<RunningServer> {
  const out = logFile ? openSync(logFile, 'w') : 'pipe'
  const child = spawn(command, args, { stdio: ['ignore', out, 'pipe'], env: { ...cleanEnv(), ...env } })
  if (typeof out === 'number') closeSync(out)
  const failed = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`${command} ${args.join(' ')} exited with ${code} before it was ready`))),
  )
  failed.catch(() => undefined)
  child.stderr!.resume()
  const port = await Promise.race([logFile ? readyInFile(logFile, ready) : readyOnPipe(child, ready), failed])
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


let serial = 0

/** `socklab server` on a free loopback port serving `files` (see startServerProcess for `logFile`). */
export async function socklabServer(entry: string, files: string, extra: string[] = [], logFile?: string, nodeFlags: string[] = []): Promise<RunningServer> {
  // The server's log goes to a file that this process stops reading once the server listens: the bench
  // process is also the client being measured, and must not spend its time parsing the server's lines.
  const log = logFile ?? join(tmpdir(), `socklab-bench-server-${process.pid}-${(serial += 1)}.log`)
  const server = await startServerProcess({ entry, args: ['--files', files, ...extra], logFile: log, follow: false, nodeFlags })
  return {
    ...server,
    async stop() {
      await server.stop()
      if (!logFile) rmSync(log, { force: true })
    },
  }
}

function readyOnPipe(child: ChildProcess, ready: RegExp): Promise<number> {
  return new Promise<number>((resolve) => {
    let seen = ''
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('utf8')
      const match = ready.exec(seen)
      if (!match) return
      // From here on the output is drained without being looked at: the bench process is often also the
      // client being measured, and must not pay for parsing the server's log.
      child.stdout!.off('data', onData)
      child.stdout!.resume()
      resolve(Number(match[1]))
    }
    child.stdout!.on('data', onData)
  })
}

/** Waits (on file change events) until the file holds a line matching `ready`. */
async function readyInFile(path: string, ready: RegExp): Promise<number> {
  const watcher = watch(path)
  try {
    for (;;) {
      const match = ready.exec(readFileSync(path, 'utf8'))
      if (match) return Number(match[1])
      await once(watcher, 'change')
    }
  } finally {
    watcher.close()
  }
}
