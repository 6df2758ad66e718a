import { spawnSync } from 'node:child_process'
import { readdirSync, realpathSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type Dockerode from 'dockerode'
import { SocklabError } from '../errors/socklab-error.js'
import { imageExists } from './docker-engine.js'
import { importHostImage, linkedLibraries, type HostFile } from './host-image.js'

/** The Python base of server images where a registry answers. */
export const REGISTRY_PYTHON_IMAGE = 'python:3.12-slim'

/** Parts of the standard library a server never needs: tests, GUI, installers, static libraries, add-ons. */
const LEFT_OUT = new Set(['site-packages', 'dist-packages', 'test', 'idlelib', 'tkinter', 'turtledemo', 'ensurepip', 'lib2to3'])
const LEFT_OUT_PREFIX = ['config-', '_tkinter']

/**
 * A Python base image made from this machine's `python3`, for machines where no registry answers: the
 * interpreter at /usr/local/bin (python3 and python link to it), its standard library at
 * /usr/local/lib/python3.X (less tests, GUI and installed packages), and the libraries `ldd` lists for the
 * interpreter and the standard library's extension modules, at their own paths. Made once per version.
 */
export async function pythonBaseImage(docker: Dockerode, log: (message: string) => void): Promise<string> {
  const python = hostPython()
  const tag = `socklab/python-base:${python.version}`
  if (await imageExists(docker, tag)) return tag
  log(`making ${tag} from this machine's Python (${python.binary}), its standard library and the libraries they link`)
  const short = `python${python.version.split('.').slice(0, 2).join('.')}`
  const stdlib: HostFile[] = []
  const extensions: string[] = []
  const walk = (dir: string, name: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (LEFT_OUT.has(entry.name) || LEFT_OUT_PREFIX.some((p) => entry.name.startsWith(p))) continue
      const path = join(dir, entry.name)
      const inImage = `${name}/${entry.name}`
      if (entry.isDirectory()) walk(path, inImage)
      else if (entry.isFile() || (entry.isSymbolicLink() && exists(path))) {
        stdlib.push({ name: inImage, path: realpathSync(path) })
        if (entry.name.endsWith('.so')) extensions.push(path)
      }
    }
  }
  walk(python.stdlib, `usr/local/lib/${short}`)
  const libraries = new Map<string, HostFile>()
  for (const binary of [python.binary, ...extensions]) for (const library of linkedLibraries(binary)) libraries.set(library.name, library)
  return importHostImage(docker, {
    repo: 'socklab/python-base',
    tag: python.version,
    files: [{ name: `usr/local/bin/${short}`, path: python.binary }, ...stdlib, ...libraries.values()],
    links: { 'usr/local/bin/python3': short, 'usr/local/bin/python': short },
    changes: [
      'ENV PATH=/usr/local/bin:/usr/bin:/bin PYTHONDONTWRITEBYTECODE=1',
      'CMD ["python3"]',
      `LABEL org.opencontainers.image.title=socklab-python-base org.opencontainers.image.version=${python.version}`,
    ],
    message: `Python ${python.version} from the host, for offline socklab server images`,
  })
}

function hostPython(): { binary: string; version: string; stdlib: string } {
  const run = spawnSync('python3', ['-c', 'import sys, sysconfig; print(sys.executable); print(sys.version.split()[0]); print(sysconfig.get_paths()["stdlib"])'], { encoding: 'utf8' })
  if (run.status !== 0 || run.error) {
    throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', `no registry answers for ${REGISTRY_PYTHON_IMAGE}, and this machine has no python3 to make a base image from`)
  }
  const [executable, version, stdlib] = run.stdout.trim().split('\n')
  return { binary: realpathSync(executable!), version: version!, stdlib: stdlib! }
}

const exists = (path: string) => {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}
