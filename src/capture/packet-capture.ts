/** When a scenario's packets are captured and kept: `--capture always|on-failure|never`. */
export const CAPTURE_MODES = ['always', 'on-failure', 'never'] as const
export type CaptureMode = (typeof CAPTURE_MODES)[number]
export const DEFAULT_CAPTURE: CaptureMode = 'on-failure'

/** A capture under way into a pcap file. */
export interface RunningCapture {
  /** What it captures, for the report: `loopback, tcp port 41234`, `the lab bridge br-1a2b3c4d5e6f`. */
  readonly what: string
  /** Stops it; once resolved the file holds every packet captured. */
  stop(): Promise<void>
}

/** How long tcpdump may take to say it listens, or to write its file out once stopped. */
export const CAPTURE_START_MS = 10_000

/** tcpdump's line once it captures (`listening on lo, link-type EN10MB …`): what the capture waits for. */
export const LISTENING_LINE = /listening on \S+/

/**
 * tcpdump's arguments: each packet handed over and written as it comes (else the last second of packets is lost when it is stopped), numeric, as root (it drops to a `tcpdump` user by default, which
 * a container made of the host's binary has not), into `file`.
 */
export const tcpdumpArgs = (iface: string, file: string, filter?: string): string[] => ['-i', iface, '--immediate-mode', '-U', '-n', '-Z', 'root', '-w', file, ...(filter ? [filter] : [])]

/**
 * Resolves once tcpdump says on `stderr` that it captures; rejects, with its last line, when it exits first
 * or says nothing of the kind within CAPTURE_START_MS.
 */
export function untilCapturing(stderr: NodeJS.ReadableStream, exited: Promise<number | null>, what: string): Promise<void> {
  let said = ''
  const started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tcpdump did not start capturing${what} within ${CAPTURE_START_MS} ms`)), CAPTURE_START_MS)
    stderr.on('data', (chunk: Buffer) => {
      said += chunk.toString('utf8')
      if (LISTENING_LINE.test(said)) (clearTimeout(timer), resolve())
    })
    void exited.then((code) => (clearTimeout(timer), reject(new Error(`tcpdump${what} exited (code ${code}): ${said.trim().split('\n').pop() ?? ''}`))))
  })
  started.catch(() => undefined)
  return started
}

/** A capture's `stop`, made once whoever calls it first (a finished run, an interrupt's clean-up). */
export function stopOnce(stop: () => Promise<void>): () => Promise<void> {
  let stopping: Promise<void> | undefined
  return () => (stopping ??= stop())
}
