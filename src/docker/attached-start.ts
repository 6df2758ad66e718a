import type Dockerode from 'dockerode'
import { PassThrough } from 'node:stream'

/** A started container's input, its end, and whether it still runs. */
export interface AttachedStart {
  exited: Promise<number | null>
  isRunning(): boolean
  write(text: string): void
}

export interface AttachedOutput {
  stdout(text: string): void
  stderr(text: string): void
  /** Its streams have given everything (after exit, or a lost attachment). */
  end(): void
}

/** Attaches to a created container's standard streams, starts it, and follows its exit. */
export async function startAttached(docker: Dockerode, container: Dockerode.Container, output: AttachedOutput): Promise<AttachedStart> {
  const stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as NodeJS.ReadWriteStream
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  stdout.on('data', (chunk: Buffer) => output.stdout(chunk.toString('utf8')))
  stderr.on('data', (chunk: Buffer) => output.stderr(chunk.toString('utf8')))
  docker.modem.demuxStream(stream, stdout, stderr)
  stream.once('end', () => output.end())
  stream.once('error', () => output.end())
  await container.start()
  let running = true
  const exited = container
    .wait()
    .then((r: { StatusCode: number }) => r.StatusCode)
    .catch(() => null)
    .finally(() => {
      running = false
    })
  return { exited, isRunning: () => running, write: (text) => void stream.write(text) }
}
