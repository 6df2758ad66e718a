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
import type { DemoOptions } from '../demo/local-demo.js'
import { watchInterrupts } from './interrupts.js'
import type { DemoVerdict } from '../demo/demo-verdict.js'
import { runSeedLabDemo } from '../demo/seed-lab-demo.js'
import { chooseTarget } from './target-choice.js'
import type { DockerTarget } from '../scenario/targets/docker-target.js'
import { SocklabError } from '../errors/socklab-error.js'

export const demoOptions = (env: NodeJS.ProcessEnv = process.env) =>
  finishOptions(
    {
      local: { type: 'boolean', default: false, describe: 'run as local processes even when a Docker engine answers' },
      image: { type: 'string', default: DEFAULT_IMAGE, describe: 'the socklab image for the containers (built when missing)' },
      server: { type: 'string', default: 'socklab', describe: "the server: socklab's, the original Python one (docker-compose.original.yml on containers), or a server.py (or a folder with one) run as written, in the seed's rooms (docs/topology.md)" },
      'hold-ms': { type: 'number', default: 60_000, describe: 'the longest an admitted client keeps its slot waiting for the fourth to be turned away' },
      'stagger-ms': { type: 'number', default: 0, describe: 'start the clients this far apart (they still overlap: each keeps its slot until the fourth is turned away)' },
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
    using interrupts = watchInterrupts('socklab demo')
    try {
      const spec = await loadServerSpec(String(argv.server))
      const options: DemoOptions = { holdMs: Number(argv.holdMs), staggerMs: Number(argv.staggerMs), server: spec, signal: interrupts.signal }
      const docker = argv.local === true ? undefined : await engineAnswers()
      const compose = docker !== undefined && spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0
      let verdict: DemoVerdict
      if (spec.asWritten) {
        // As written, it binds its own address: only containers on a subnet that holds it can run it.
        if (!docker) throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', `${spec.asWritten.source} runs as written (it binds ${spec.asWritten.host?.value ?? '0.0.0.0'}:${spec.asWritten.port} itself), which needs a Docker engine: none answers${argv.local === true ? ' (or --local was given)' : ''}`)
        verdict = await runSeedLabDemo((await chooseTarget('docker', String(argv.image))) as DockerTarget, spec, interrupts.signal, (line) => console.log(line))
      } else if (docker && compose) {
        const extra = spec.kind === 'socklab' ? '' : ' -f docker-compose.original.yml'
        console.log(`A Docker engine answers: running the demo on containers (docker compose -f docker-compose.yml${extra} up --scale client=4).`)
        verdict = await runComposeDemo(docker, String(argv.image), options)
      } else {
        const why = argv.local === true ? '--local' : docker ? 'docker compose v2 is missing' : 'no Docker engine answers'
        console.log(`Running the demo as local processes (${why}): a server and four clients on loopback.\n`)
        verdict = await runLocalDemo(process.argv[1]!, options)
      }
      console.log(verdict.text)
      process.exit(verdict.ok ? EXIT.OK : EXIT.SCENARIO_FAILED)
    } catch (error) {
      // Interrupted: what the demo made is gone (containers, volume, processes, folders); say so by the exit code.
      if (interrupts.signal.aborted) process.exit(interrupts.exitCode)
      fail(error, 'socklab demo')
    }
  },
}
