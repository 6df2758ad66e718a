import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type Dockerode from 'dockerode'
import { SocklabError } from '../errors/socklab-error.js'
import { PACKAGE_ROOT, VERSION } from '../package/package-files.js'
import { dockerContextFiles, packContext } from './docker-context.js'
import { imageExists, pullImage } from './docker-engine.js'
import { followDockerProgress } from './docker-progress.js'
import { nodeBaseImage } from './node-base-image.js'

export const DEFAULT_IMAGE = 'socklab:latest'
/** The Node base image of the Dockerfile's default (source) path, where a registry answers. */
export const DEFAULT_NODE_IMAGE = 'node:22-slim'

export type AppSource = 'source' | 'prebuilt'

export interface ImageBuildOptions {
  image: string
  /** auto: source when the sources are here and the Node base image can be had; else prebuilt. */
  from: AppSource | 'auto'
  /** auto: use a registry's Node base when one answers, else make one from this machine's Node. */
  offline: boolean | 'auto'
  /** socklab's own account of what it does. */
  log(message: string): void
  /** The engine's build output, line by line. */
  onOutput?(line: string): void
}

export interface BuiltImage {
  image: string
  from: AppSource
  base: string
  durationMs: number
  bytes: number
}

/**
 * Builds the socklab image from the package's own Dockerfile through the engine's BuildKit (dockerode; no
 * docker CLI, no compose, no buildx needed). `source` builds the bundle inside the image (the Dockerfile's
 * default, and what `docker compose build` does); `prebuilt` copies the bundle built here, so nothing runs
 * npm in the image. An installed package has no sources to build from (npm leaves the lockfile out), so it
 * always takes `prebuilt`.
 */
export async function buildImage(docker: Dockerode, options: ImageBuildOptions): Promise<BuiltImage> {
  const started = performance.now()
  const sources = existsSync(join(PACKAGE_ROOT, 'src')) && existsSync(join(PACKAGE_ROOT, 'package-lock.json'))
  if (options.from === 'source' && !sources) {
    throw new SocklabError('SOCKLAB_CONFIG_INVALID', `--from source needs the sources and the lockfile, which an installed package does not have (${PACKAGE_ROOT})`)
  }
  const base = await chooseBase(docker, options)
  const online = base === DEFAULT_NODE_IMAGE
  if (options.from === 'source' && !online) {
    throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', `--from source needs ${DEFAULT_NODE_IMAGE} and npm in the image, and no registry answers`)
  }
  const from: AppSource = options.from === 'auto' ? (sources && online ? 'source' : 'prebuilt') : options.from
  if (from === 'prebuilt') ensureBundle(options.log)
  options.log(`building ${options.image} on ${base} (${from === 'source' ? 'bundle built from source in the image' : 'bundle built on this machine'})`)
  const stream = await docker.buildImage(
    packContext(PACKAGE_ROOT, await dockerContextFiles(PACKAGE_ROOT)),
    { t: options.image, version: '2', buildargs: { NODE_IMAGE: base, APP_SOURCE: from, VERSION } } as Dockerode.ImageBuildOptions,
  )
  await followDockerProgress(docker, stream, `building ${options.image}`, options.onOutput)
  const { Size } = await docker.getImage(options.image).inspect()
  return { image: options.image, from, base, durationMs: Math.round(performance.now() - started), bytes: Size }
}

/** Builds the image only when it is missing (the docker target and the demo call this). */
export async function ensureImage(docker: Dockerode, image: string, log: (message: string) => void): Promise<void> {
  if (await imageExists(docker, image)) return
  log(`the image ${image} is not built yet: building it (socklab images)`)
  await buildImage(docker, { image, from: 'auto', offline: 'auto', log })
}

async function chooseBase(docker: Dockerode, options: ImageBuildOptions): Promise<string> {
  if (options.offline !== true) {
    if (await imageExists(docker, DEFAULT_NODE_IMAGE)) return DEFAULT_NODE_IMAGE
    const pulled = await pullImage(docker, DEFAULT_NODE_IMAGE).then(() => true, () => false)
    if (pulled) return DEFAULT_NODE_IMAGE
    if (options.offline === false) throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', `${DEFAULT_NODE_IMAGE} cannot be pulled, and offline builds are turned off`)
    options.log(`${DEFAULT_NODE_IMAGE} cannot be pulled: building offline`)
  }
  return nodeBaseImage(docker, options.log)
}

/** The bundle the prebuilt path copies: shipped in a package; in a checkout, built here when missing. */
function ensureBundle(log: (message: string) => void): void {
  if (existsSync(join(PACKAGE_ROOT, 'dist', 'socklab.js'))) return
  const script = join(PACKAGE_ROOT, 'scripts', 'build.mjs')
  if (!existsSync(script)) throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', `dist/socklab.js is missing from ${PACKAGE_ROOT}`)
  log('building the bundle (npm run build)')
  const built = spawnSync(process.execPath, [script], { cwd: PACKAGE_ROOT, stdio: 'inherit' })
  if (built.status !== 0) throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', 'building dist/socklab.js failed')
}
