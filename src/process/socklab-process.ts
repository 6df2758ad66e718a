import { spawn, type ChildProcess } from 'node:child_process'

/**
 * The environment for socklab processes that socklab starts (scenario servers and clients, bench servers):
 * the caller's SOCKLAB_ variables are left out, so such a process runs with exactly the settings it is given.
 */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('SOCKLAB_'))), ...extra }
}

/** `socklab <args>` as a child process (`entry` is the socklab CLI script: bin/socklab.js or the bundle). */
export function spawnSocklab(entry: string, args: readonly string[], options: { nodeFlags?: readonly string[]; env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  return spawn(process.execPath, [...(options.nodeFlags ?? []), entry, ...args], { env: cleanEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'] })
}
