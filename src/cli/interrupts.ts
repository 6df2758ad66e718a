import { SocklabError } from '../errors/socklab-error.js'
import { EXIT } from './exit-codes.js'

export interface Interrupts extends Disposable {
  /** Aborts on SIGINT, SIGTERM, or when standard output's reader goes away (EPIPE). */
  readonly signal: AbortSignal
  /** 130 (SIGINT), 143 (SIGTERM) or 141 (EPIPE) once aborted. */
  readonly exitCode: number
}

/**
 * Turns the ways a run is interrupted into one abort signal, so that the run stops its steps and removes
 * what it made before it exits. A second SIGINT or SIGTERM exits at once; what that leaves behind records
 * its owner, and the next run (or `socklab clean`) removes it.
 */
export function watchInterrupts(name: string): Interrupts {
  const controller = new AbortController()
  let exitCode: number = EXIT.OK
  const stop = (code: number, why: string) => {
    if (controller.signal.aborted) {
      if (code === EXIT.OUTPUT_CLOSED) return
      process.stderr.write(`${name}: interrupted again: exiting now; \`socklab clean\` removes what is left\n`)
      process.exit(exitCode)
    }
    exitCode = code
    controller.abort(new SocklabError('SOCKLAB_INTERRUPTED', why))
  }
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\n${name}: ${signal}: stopping and removing what this run made…\n`)
    stop(signal === 'SIGINT' ? EXIT.INTERRUPTED : EXIT.TERMINATED, `interrupted (${signal})`)
  }
  // Whoever read our output is gone: carry on quietly, clean up, and end without a stack trace.
  const onOutputError = (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') stop(EXIT.OUTPUT_CLOSED, 'standard output was closed')
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  process.stdout.on('error', onOutputError)
  return {
    signal: controller.signal,
    get exitCode() {
      return exitCode
    },
    [Symbol.dispose]() {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      process.stdout.off('error', onOutputError)
    },
  }
}
