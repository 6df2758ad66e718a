import { SocklabError } from '../errors/socklab-error.js'
import { EXIT, exitCodeFor } from './exit-codes.js'

/** Ends the process for an error: coded errors get their exit code, anything else is a bug (70). */
export function fail(error: unknown, prefix = 'socklab'): never {
  if (error instanceof SocklabError) {
    process.stderr.write(`${prefix}: ${error.message}\n`)
    process.exit(exitCodeFor(error.code))
  }
  process.stderr.write(`${prefix}: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(EXIT.INTERNAL)
}
