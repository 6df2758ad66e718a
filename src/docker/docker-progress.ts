import type Dockerode from 'dockerode'
import { SocklabError } from '../errors/socklab-error.js'

interface ProgressEvent {
  stream?: string
  status?: string
  error?: string
  errorDetail?: { message?: string }
}

/**
 * Reads an engine's build, pull or import progress to its end. The engine reports a failure as an `error`
 * event in an otherwise normal stream (dockerode does not reject on it): that becomes a coded error here.
 */
export function followDockerProgress(docker: Dockerode, stream: NodeJS.ReadableStream, what: string, onLine?: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let failure: string | undefined
    docker.modem.followProgress(
      stream,
      (error: Error | null) => {
        const reason = failure ?? error?.message
        if (reason) reject(new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', `${what} failed: ${reason.trim()}`))
        else resolve()
      },
      (event: ProgressEvent) => {
        if (event.error) failure ??= event.errorDetail?.message ?? event.error
        const text = event.stream ?? event.status
        if (text && onLine) for (const line of text.split('\n')) if (line.trim()) onLine(line.trimEnd())
      },
    )
  })
}
