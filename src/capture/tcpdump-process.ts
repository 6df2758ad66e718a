import { spawn } from 'node:child_process'
import { SocklabError } from '../errors/socklab-error.js'
import { CAPTURE_START_MS, tcpdumpArgs, type RunningCapture, stopOnce, untilCapturing } from './packet-capture.js'

/**
 * A capture by this machine's tcpdump (the local target's loopback, the traffic to a remote server), ready
 * once tcpdump says it listens. Where tcpdump is missing or may not capture (no root, no CAP_NET_RAW) it
 * fails with tcpdump's own words, and the scenario runs on without a capture.
 */
export async function startTcpdump(options: { iface: string; filter: string; file: string; what: string }): Promise<RunningCapture> {
  const child = spawn('tcpdump', tcpdumpArgs(options.iface, options.file, options.filter), { stdio: ['ignore', 'ignore', 'pipe'] })
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
  const failedToStart = new Promise<never>((_, reject) => child.once('error', reject))
  const started = Promise.race([untilCapturing(child.stderr!, exited, ''), failedToStart])
  try {
    await started
  } catch (error) {
    child.kill('SIGKILL')
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT'
    throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', missing ? 'this machine has no tcpdump (apt-get install tcpdump)' : (error as Error).message)
  }
  return {
    what: options.what,
    stop: stopOnce(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT')
      const timer = setTimeout(() => child.kill('SIGKILL'), CAPTURE_START_MS)
      await exited
      clearTimeout(timer)
    }),
  }
}
