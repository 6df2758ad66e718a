import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import type { TestProject } from 'vitest/node'
import { SOCKLAB_BIN } from '../helpers/processes.js'
import { engineAnswers, sweep } from './helpers/docker-engine.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The socklab image built for this run (a unique tag). */
    image: string
  }
}

/**
 * Builds the socklab image once per run with `socklab images` (a build failure fails the run,
 * it is never swallowed), under a unique tag, and removes it and every labelled container and network at
 * the end. With no engine the suite fails: it never passes without its subject.
 */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true'
  process.env.TESTCONTAINERS_HOST_OVERRIDE = 'localhost'
  if (!engineAnswers()) {
    throw new Error('No Docker engine answers: the container suite needs one (bash scripts/ci/provision-docker.sh installs and starts it)')
  }
  await sweep()
  const image = `socklab-test:${randomBytes(4).toString('hex')}`
  const built = spawnSync(process.execPath, [SOCKLAB_BIN, 'images', '--image', image], {
    encoding: 'utf8',
    timeout: 600_000,
  })
  if (built.status !== 0) {
    throw new Error(`building ${image} failed (exit ${built.status}):\n${built.stdout}\n${built.stderr}`)
  }
  project.provide('image', image)
  return async () => {
    await sweep()
    spawnSync('docker', ['image', 'rm', '-f', image], { stdio: 'ignore' })
  }
}
