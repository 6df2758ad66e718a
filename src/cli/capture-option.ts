import { CAPTURE_MODES, DEFAULT_CAPTURE, type CaptureMode } from '../capture/packet-capture.js'
import { SocklabError } from '../errors/socklab-error.js'

/** `--capture`: when a run's packets are captured and kept in its failure bundle. */
export const captureOption = {
  capture: {
    type: 'string',
    choices: CAPTURE_MODES,
    describe: `capture each scenario's packets (tcpdump: the docker lab's bridge, the local server's loopback port) and keep the pcap in its bundle: always, on-failure or never (default: ${DEFAULT_CAPTURE}, where a bundle is kept)`,
  },
} as const

/** The capture mode; one asked for with no folder to keep it in is refused (the bundle sits beside a report). */
export function captureMode(argv: Record<string, unknown>, logsDir: string | undefined): CaptureMode {
  const given = argv.capture as CaptureMode | undefined
  if (given && given !== 'never' && logsDir === undefined) {
    throw new SocklabError('SOCKLAB_CONFIG_INVALID', `--capture ${given} keeps its capture in a failure bundle beside the report: give --report or --logs-dir too`)
  }
  return given ?? DEFAULT_CAPTURE
}
