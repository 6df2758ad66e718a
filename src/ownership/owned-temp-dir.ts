import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { currentOwner, type Owner } from './owner.js'

const OWNER_FILE = '.socklab-owner.json'
const PREFIX = 'socklab-'

export interface OwnedTempDir extends AsyncDisposable {
  readonly path: string
}

/**
 * A temporary folder (`<tmp>/socklab-<purpose>-XXXXXX`) that records its owner inside, so that a later run or
 * `socklab clean` can remove it once its owner is gone. Removed on dispose.
 */
export async function ownedTempDir(purpose: string): Promise<OwnedTempDir> {
  const path = await mkdtemp(join(tmpdir(), `${PREFIX}${purpose}-`))
  try {
    await writeFile(join(path, OWNER_FILE), JSON.stringify(currentOwner()))
  } catch (error) {
    await rm(path, { recursive: true, force: true })
    throw error
  }
  return { path, [Symbol.asyncDispose]: () => rm(path, { recursive: true, force: true }) }
}

export interface TempDirEntry {
  path: string
  /** Undefined for a socklab folder without an owner record (made by an older socklab). */
  owner?: Owner
}

/** socklab's temporary folders under the system's temporary folder, with their owners. */
export async function listOwnedTempDirs(root = tmpdir()): Promise<TempDirEntry[]> {
  const names = (await readdir(root, { withFileTypes: true }).catch(() => [])).filter((d) => d.isDirectory() && d.name.startsWith(PREFIX))
  return Promise.all(
    names.map(async ({ name }) => {
      const path = join(root, name)
      const owner = await readFile(join(path, OWNER_FILE), 'utf8').then((text) => JSON.parse(text) as Owner, () => undefined)
      return { path, owner }
    }),
  )
}
