import type Dockerode from 'dockerode'
import { SocklabError } from '../errors/socklab-error.js'
import { followDockerProgress } from './docker-progress.js'

const PULL_TIMEOUT_MS = 60_000

/**
 * The one way socklab reaches a Docker engine (dockerode, loaded only by the commands that need it). An
 * engine that does not answer is SOCKLAB_TARGET_UNAVAILABLE, with the reason.
 */
export async function connectEngine(): Promise<Dockerode> {
  let Docker: typeof Dockerode
  try {
    Docker = (await import('dockerode')).default
  } catch (error) {
    throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', `the Docker client library (dockerode) cannot be loaded: ${(error as Error).message}`)
  }
  const docker = new Docker()
  try {
    await docker.ping()
  } catch (error) {
    throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', `no Docker engine answers: ${(error as Error).message}`)
  }
  return docker
}

/** Whether an engine answers, without failing when none does. */
export async function engineAnswers(): Promise<Dockerode | undefined> {
  return connectEngine().catch(() => undefined)
}

export async function imageExists(docker: Dockerode, image: string): Promise<boolean> {
  return docker.getImage(image).inspect().then(() => true, () => false)
}

/** Pulls an image from its registry; fails when none answers within a minute. */
export async function pullImage(docker: Dockerode, image: string): Promise<void> {
  const stream = (await Promise.race([
    docker.pull(image),
    new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), PULL_TIMEOUT_MS).unref()),
  ])) as NodeJS.ReadableStream
  await followDockerProgress(docker, stream, `pulling ${image}`)
}
