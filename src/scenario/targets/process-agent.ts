import { access } from 'node:fs/promises'
import { join } from 'node:path'
import { spawnSocklab } from '../../process/socklab-process.js'
import { AgentChannel } from '../agent-channel.js'
import type { ClientAgent } from './scenario-target.js'

/** A `socklab client --json` process, saving into `downloadDir`, as a ClientAgent. */
export function processAgent(entry: string, args: string[], downloadDir: string): ClientAgent {
  const child = spawnSocklab(entry, ['client', '--json', '--no-progress', ...args, '--download-dir', downloadDir])
  const channel = new AgentChannel()
  child.stdout!.on('data', (chunk: Buffer) => channel.feed(chunk.toString('utf8')))
  child.stderr!.on('data', (chunk: Buffer) => channel.transcript.push(`stderr: ${chunk.toString('utf8').trimEnd()}`))
  child.stdin!.on('error', () => undefined) // the agent may be gone before its last input
  let running = true
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      running = false
      channel.end()
      resolve(code)
    }),
  )
  return {
    channel,
    exited,
    get running() {
      return running
    },
    write: (input) => void child.stdin!.write(`${JSON.stringify(input)}\n`),
    hasDownload: (name) => access(join(downloadDir, name)).then(() => true, () => false),
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
    },
  }
}
