import type { CommandModule } from 'yargs'
import { connectEngine } from '../docker/docker-engine.js'
import { DEFAULT_IMAGE, buildImage, type ImageBuildOptions } from '../docker/image-build.js'
import { serverImage } from '../docker/server-image.js'
import { loadServerSpec } from '../lab/server-spec.js'
import { EXIT } from './exit-codes.js'
import { fail } from './fail.js'
import { finishOptions } from './yargs-options.js'

export const imagesOptions = (env: NodeJS.ProcessEnv = process.env) =>
  finishOptions({
    image: { type: 'string', default: DEFAULT_IMAGE, describe: 'the tag to build' },
    from: {
      type: 'string',
      default: 'auto',
      choices: ['auto', 'source', 'prebuilt'],
      describe: 'source: build the bundle inside the image (needs a registry and the sources); prebuilt: copy the bundle built here; auto: source where it can be had',
    },
    offline: {
      type: 'string',
      default: 'auto',
      choices: ['auto', 'true', 'false', '1', '0'],
      describe: "true: make the Node base image from this machine's Node, pull nothing; false: only a registry's node:22-slim; auto: the registry's when it answers",
    },
    server: { type: 'string', array: true, describe: 'also build the image of a server under test: original, or a server spec file with a docker section (repeatable)' },
    verbose: { type: 'boolean', default: false, describe: "show the engine's build output" },
  }, process.argv, env)

/** `socklab images`: builds the socklab image from the package's own files (the checkout or the installed package). */
export const imagesCommand: CommandModule = {
  command: 'images',
  describe: 'build the socklab image (server and client) on the local Docker engine, and those of servers under test',
  builder: (yargs) => yargs.options(imagesOptions()),
  handler: async (argv) => {
    try {
      const offline = String(argv.offline)
      const offlineChoice = offline === 'auto' ? 'auto' : offline === 'true' || offline === '1'
      const log = (line: string) => process.stdout.write(`[images] ${line}\n`)
      const docker = await connectEngine()
      const built = await buildImage(docker, {
        image: String(argv.image),
        from: String(argv.from) as ImageBuildOptions['from'],
        offline: offlineChoice,
        log,
        onOutput: argv.verbose === true ? (line) => process.stdout.write(`${line}\n`) : undefined,
      })
      const size = (built.bytes / 1e6).toFixed(1)
      process.stdout.write(`[images] built ${built.image} in ${(built.durationMs / 1000).toFixed(1)} s (${size} MB; ${built.from} on ${built.base})\n`)
      for (const given of (argv.server as string[] | undefined) ?? []) {
        const spec = await loadServerSpec(given)
        if (spec.kind === 'socklab') continue
        const started = performance.now()
        const image = await serverImage(docker, spec, { offline: offlineChoice, log, rebuild: true })
        const { Size } = await docker.getImage(image).inspect()
        process.stdout.write(`[images] ${spec.name} server: ${image} in ${((performance.now() - started) / 1000).toFixed(1)} s (${(Size / 1e6).toFixed(1)} MB)\n`)
      }
      process.exit(EXIT.OK)
    } catch (error) {
      fail(error, 'socklab images')
    }
  },
}
