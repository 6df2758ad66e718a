import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { inject } from 'vitest'
import { TEST_PROJECT_PREFIX } from './docker-engine.js'

const root = fileURLToPath(new URL('../../..', import.meta.url))

/**
 * A throwaway Compose project of the checkout's compose files (`files`, each given with -f; none: docker-compose.yml): a test
 * name, a subnet of its own (10.77.<octet>.0/24, so parallel suites never clash), the test image, and `env`.
 */
export function composeProject(files: string[], env: Record<string, string>) {
  const project = `${TEST_PROJECT_PREFIX}${randomBytes(4).toString('hex')}`
  const octet = 100 + (randomBytes(1)[0]! % 150)
  const fullEnv = {
    ...process.env,
    SOCKLAB_IMAGE: inject('image'),
    SOCKLAB_SUBNET: `10.77.${octet}.0/24`,
    SOCKLAB_SERVER_IP: `10.77.${octet}.10`,
    ...env,
  }
  const fileArgs = files.flatMap((file) => ['-f', file])
  const compose = (...args: string[]) =>
    spawnSync('docker', ['compose', '--ansi', 'never', '-p', project, ...fileArgs, ...args], { cwd: root, env: fullEnv, encoding: 'utf8', timeout: 120_000 })
  return { project, octet, compose }
}
