import { cp, mkdir } from 'node:fs/promises'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { ownedTempDir, type OwnedTempDir } from '../ownership/owned-temp-dir.js'
import type { AsWrittenServer } from './server-spec.js'

/**
 * A copy of the folder of a server run as written, where it runs (its own folder is never written): all of
 * it but the folder it serves and `__pycache__`, and that folder's place made empty, for the run's files.
 * `served` is that place (absent when its source names an absolute folder: that one is its own).
 */
export async function copyApp(server: AsWrittenServer): Promise<{ copy: OwnedTempDir; served: string | undefined }> {
  const copy = await ownedTempDir('app')
  const app = dirname(server.source)
  const own = isAbsolute(server.files) ? undefined : resolve(app, server.files)
  await cp(app, copy.path, { recursive: true, filter: (from) => from !== own && !from.endsWith('/__pycache__') })
  const served = own ? join(copy.path, server.files) : undefined
  if (served) await mkdir(dirname(served), { recursive: true })
  return { copy, served }
}
