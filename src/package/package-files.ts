import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Where socklab's own files are: the checkout, or the installed package. This module sits two folders
 * below the root both as source (src/package/) and bundled (dist/socklab.js is one folder down, and
 * esbuild keeps import.meta.url pointing at the bundle), so the root is found by looking for package.json.
 */
function findRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'scenarios'))) return dir
    if (dirname(dir) === dir) return resolve(dirname(fileURLToPath(import.meta.url)), '..')
  }
}

export const PACKAGE_ROOT = findRoot()
/** The scenarios that ship with socklab. */
export const SHIPPED_SCENARIOS = join(PACKAGE_ROOT, 'scenarios')
/** Lab assets: the original Python server and the specs of the servers known by name (lab/servers/). */
export const LAB_ASSETS = join(PACKAGE_ROOT, 'lab')
/** The shipped examples (a Redis suite, a chat room assignment, a Gradescope autograder). */
export const EXAMPLES = join(PACKAGE_ROOT, 'examples')
/** The files a socklab server serves when none are named (hello.txt, socklab.png). */
export const SHIPPED_FILES = join(PACKAGE_ROOT, 'server_files')

/** socklab's version: built into the bundle from package.json (the image carries no package.json), else read from it. */
declare const __SOCKLAB_VERSION__: string | undefined
export const VERSION: string = typeof __SOCKLAB_VERSION__ === 'string' ? __SOCKLAB_VERSION__ : readVersion()

function readVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version
  } catch {
    return 'unknown'
  }
}
