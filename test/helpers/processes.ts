import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const SOCKLAB_BIN = fileURLToPath(new URL('../../bin/socklab.js', import.meta.url))
export const ORIGINAL_SERVER = fileURLToPath(new URL('../../lab/original/server.py', import.meta.url))
export const ORIGINAL_CLIENT = fileURLToPath(new URL('../fixtures/original/client.py', import.meta.url))

export { freePort } from '../../src/index.js'

export interface Run {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface Spawned extends AsyncDisposable {
  child: ChildProcessWithoutNullStreams
  stdout(): string
  /** Resolves once standard output contains `text`. */
  waitForOutput(text: string): Promise<void>
  /** Resolves once standard error contains `text`. */
  waitForError(text: string): Promise<void>
  exited: Promise<Run>
}

export function spawnProcess(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Spawned {
  const child = spawn(command, args, { env: { ...process.env, ...options.env }, cwd: options.cwd })
  let stdout = ''
  let stderr = ''
  const waiters = new Set<() => void>()
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8')
    for (const wake of [...waiters]) wake()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8')
    for (const wake of [...waiters]) wake()
  })
  const exited = new Promise<Run>((resolve) =>
    child.once('close', (code, signal) => {
      for (const wake of [...waiters]) wake()
      resolve({ code, signal, stdout, stderr })
    }),
  )
  const waitFor = (stream: () => string, text: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (stream().includes(text)) {
          waiters.delete(check)
          resolve()
        } else if (child.exitCode !== null || child.signalCode !== null) {
          waiters.delete(check)
          reject(new Error(`process exited before printing ${JSON.stringify(text)}:\n${stdout}\n${stderr}`))
        }
      }
      waiters.add(check)
      check()
    })
  return {
    child,
    stdout: () => stdout,
    waitForOutput: (text) => waitFor(() => stdout, text),
    waitForError: (text) => waitFor(() => stderr, text),
    exited,
    async [Symbol.asyncDispose]() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
    },
  }
}

/** Runs a program to the end with the given standard input. */
export async function runProcess(command: string, args: string[], input: string, env?: NodeJS.ProcessEnv, cwd?: string): Promise<Run> {
  const spawned = spawnProcess(command, args, { env, cwd })
  spawned.child.stdin.end(input)
  return spawned.exited
}
