import type Dockerode from 'dockerode'
import { SocklabError } from '../errors/socklab-error.js'

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
