import type Dockerode from 'dockerode'
import { connectEngine, engineAnswers } from '../docker/docker-engine.js'
import { ensureImage } from '../docker/image-build.js'
import { SocklabError } from '../errors/socklab-error.js'
import { describeLeftover, sweepLeftovers } from '../ownership/leftovers.js'
import { DockerTarget, type DockerTargetOptions } from '../scenario/targets/docker-target.js'
import { LocalTarget } from '../scenario/targets/local-target.js'
import { RemoteTarget } from '../scenario/targets/remote-target.js'
import type { ScenarioTarget } from '../scenario/targets/scenario-target.js'
import { parseHostPort } from './host-port.js'

/** The CLI script that started this process: scenario clients and local servers run the same one. */
export const entry = (): string => process.argv[1]!

/** The target asked for (docker, local or host:port), or docker when an engine answers, else local; sweeps leftovers first. */
export async function chooseTarget(requested: string | undefined, image: string, options: DockerTargetOptions = {}): Promise<ScenarioTarget> {
  if (requested === 'local' || (requested === undefined && !(await engineAnswers()))) {
    if (requested === undefined) process.stdout.write('No Docker engine answers: running the scenarios as local processes (--target local).\n')
    await sweep()
    return new LocalTarget(entry())
  }
  if (requested !== undefined && requested !== 'docker') {
    const remote = parseHostPort(requested)
    if (!remote) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `--target takes docker, local or <host>:<port>, not ${requested}`)
    await sweep()
    return new RemoteTarget(entry(), remote.host, remote.port)
  }
  const docker = await connectEngine()
  await sweep(docker)
  await ensureImage(docker, image, (line) => process.stdout.write(`${line}\n`))
  return new DockerTarget(docker, image, options)
}

/** Removes what earlier runs whose process is gone left behind (never what a running process owns). */
export async function sweep(docker?: Dockerode): Promise<void> {
  const found = await sweepLeftovers({ docker })
  const removed = found.filter((l) => !l.error)
  const stuck = found.filter((l) => l.error)
  if (removed.length > 0) process.stderr.write(`Removed ${removed.length} leftovers of earlier runs that were interrupted:\n${removed.map((l) => `  ${describeLeftover(l)}\n`).join('')}`)
  if (stuck.length > 0) process.stderr.write(`Leftovers of earlier runs that the engine would not remove:\n${stuck.map((l) => `  ${describeLeftover(l)}\n`).join('')}`)
}
