import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { SocklabError } from '../errors/socklab-error.js'
import { loadServerSpec, parseServerSpec, type ServerSpec } from '../lab/server-spec.js'

/** The file in a submission folder that says how to start its server (a server spec, docs/servers.md). */
export const SUBMISSION_SPEC = 'socklab-server.yaml'
/** Without one, a submission is the assignment's own: `server.py`, started as the original is. */
export const SUBMISSION_SERVER = 'server.py'

/**
 * A submission to grade: a folder with a `socklab-server.yaml` (its command, settings and log adapter), or
 * with a `server.py` that follows the original assignment (port and folder as its arguments, the
 * original's console lines), which is started and read exactly as `--server original` is.
 */
export async function submissionSpec(folder: string): Promise<ServerSpec> {
  const dir = resolve(folder)
  const name = basename(dir)
  const own = join(dir, SUBMISSION_SPEC)
  if (existsSync(own)) return { ...parseServerSpec(await readFile(own, 'utf8'), own), name }
  if (!existsSync(join(dir, SUBMISSION_SERVER))) {
    throw new SocklabError('SOCKLAB_CONFIG_INVALID', `${folder}: a submission holds ${SUBMISSION_SPEC} (how to start its server) or ${SUBMISSION_SERVER} (the assignment's server)`)
  }
  const original = await loadServerSpec('original')
  return { ...original, name, description: `${SUBMISSION_SERVER} of ${name}`, command: ['python3', '-u', '{dir}/server.py', '{port}', '{files}'], dir }
}
