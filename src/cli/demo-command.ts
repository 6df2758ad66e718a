import { spawnSync } from 'node:child_process'
import type { CommandModule } from 'yargs'
import { engineAnswers } from '../docker/docker-engine.js'
import { DEFAULT_IMAGE } from '../docker/image-build.js'
import { runComposeDemo } from '../demo/compose-demo.js'
import { runLocalDemo } from '../demo/local-demo.js'
import { EXIT } from './exit-codes.js'
import { fail } from './fail.js'
import { finishOptions } from './yargs-options.js'
import { loadServerSpec } from '../lab/server-spec.js'

export const demoOptions = (env: NodeJS.ProcessEnv = process.env) =>
  finishOptions(
    {
      local: { type: 'boolean', default: false, describe: 'run as local processes even when a Docker engine answers' },
      image: { type: 'string', default: DEFAULT_IMAGE, describe: 'the socklab image for the containers (built when missing)' },
      server: { type: 'string', default: 'socklab', choices: ['socklab', 'original'], describe: "the server: socklab's, or the original Python one (docker-compose.original.yml on containers)" },
      'hold-ms': { type: 'number', default: 4_000, describe: 'how long each client stays connected, so that all four overlap' },
    },
    process.argv,
    env,
  )

/** `socklab demo`: a server and four clients; three are served, the fourth is told the server is full. */
export const demoCommand: CommandModule = {
  command: 'demo',
  describe: 'a server and four clients: three are served, the fourth is told the server is full',
  builder: (yargs) => yargs.options(demoOptions()),
  handler: async (argv) => {
    try {
      const holdMs = Number(argv.holdMs)
      const spec = await loadServerSpec(String(argv.server))
      const docker = argv.local === true ? undefined : await engineAnswers()
      const compose = docker !== undefined && spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0
      let ok: boolean
      if (docker && compose) {
        const extra = spec.kind === 'socklab' ? '' : ' -f docker-compose.original.yml'
        console.log(`A Docker engine answers: running the demo on containers (docker compose -f docker-compose.yml${extra} up --scale client=4).`)
        ok = await runComposeDemo(docker, String(argv.image), holdMs, spec)
      } else {
        const why = argv.local === true ? '--local' : docker ? 'docker compose v2 is missing' : 'no Docker engine answers'
        console.log(`Running the demo as local processes (${why}): a server and four clients on loopback.\n`)
        ok = await runLocalDemo(process.argv[1]!, holdMs, spec)
      }
      console.log(ok ? 'Demo finished: three clients served, the fourth rejected.' : 'Demo did not go as expected.')
      process.exit(ok ? EXIT.OK : EXIT.SCENARIO_FAILED)
    } catch (error) {
      fail(error, 'socklab demo')
    }
  },
}
