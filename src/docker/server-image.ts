import type Dockerode from 'dockerode'
import { SocklabError } from '../errors/socklab-error.js'
import type { ServerSpec } from '../lab/server-spec.js'
import { dockerContextFiles, packContext } from './docker-context.js'
import { imageExists, pullImage } from './docker-engine.js'
import { followDockerProgress } from './docker-progress.js'
import { REGISTRY_PYTHON_IMAGE, pythonBaseImage } from './python-base-image.js'
import { HOST_BASE_PREFIX, hostProgramImage } from './host-program-image.js'

export interface ServerImageOptions {
  /** auto: a registry's base when one answers, else one made from this machine; true: never pull. */
  offline: boolean | 'auto'
  log(message: string): void
  /** Build even when the image exists (`socklab images --server`). */
  rebuild?: boolean
}

/**
 * The image a server under test runs from on the docker target: its spec's `docker.image` (built from
 * `docker.build` when missing, on its base; else pulled), or its base, in which the spec's folder is mounted
 * and its command run.
 */
export async function serverImage(docker: Dockerode, spec: ServerSpec, options: ServerImageOptions): Promise<string> {
  const target = spec.docker
  if (!target) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `the ${spec.name} server has no \`docker:\` section, so it runs on the local target only (docs/servers.md)`)
  if (!target.image) return baseImage(docker, target.base ?? 'python', options)
  if (!options.rebuild && (await imageExists(docker, target.image))) return target.image
  if (target.build) {
    const base = await baseImage(docker, target.base ?? 'python', options)
    options.log(`building ${target.image} from ${target.build} on ${base}`)
    const stream = await docker.buildImage(packContext(target.build, await dockerContextFiles(target.build)), {
      t: target.image,
      version: '2',
      buildargs: { BASE_IMAGE: base },
    } as Dockerode.ImageBuildOptions)
    await followDockerProgress(docker, stream, `building ${target.image}`)
    return target.image
  }
  await pullImage(docker, target.image).catch((error: Error) => {
    throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', `the image ${target.image} of the ${spec.name} server is not here and cannot be pulled: ${error.message}`)
  })
  return target.image
}

/**
 * A base image by name: `python` is the registry's python:3.12-slim where one answers, else a Python base
 * made from this machine's python3; `host:<program>` is made from this machine's program of that name; any
 * other name is used as it is, pulled when missing.
 */
export async function baseImage(docker: Dockerode, name: string, options: ServerImageOptions): Promise<string> {
  if (name.startsWith(HOST_BASE_PREFIX)) return hostProgramImage(docker, name.slice(HOST_BASE_PREFIX.length), options.log)
  const wanted = name === 'python' ? REGISTRY_PYTHON_IMAGE : name
  if (options.offline !== true && (await imageExists(docker, wanted))) return wanted
  if (options.offline !== true) {
    const pulled = await pullImage(docker, wanted).then(() => true, () => false)
    if (pulled) return wanted
    if (name !== 'python') throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', `the base image ${name} is not here and cannot be pulled`)
    if (options.offline === false) throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', `${wanted} cannot be pulled, and offline builds are turned off`)
    options.log(`${wanted} cannot be pulled: using a Python base made from this machine's`)
  }
  if (name !== 'python') throw new SocklabError('SOCKLAB_CONFIG_INVALID', `offline, only the python base can be made from this machine, not ${name}`)
  return pythonBaseImage(docker, options.log)
}
