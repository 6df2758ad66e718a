import { mkdirSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { SocklabError } from '../errors/socklab-error.js'
import type { Owner } from '../ownership/owner.js'

/**
 * What `socklab lab up` leaves for the other lab commands: which process owns the lab and where it answers.
 * One file per lab name, readable only by its user, in SOCKLAB_LAB_DIR or $XDG_RUNTIME_DIR/socklab-labs or
 * the temporary folder's socklab-labs-<uid>.
 */
export interface LabRecord {
  name: string
  /** `swarm`: a stack on Docker Swarm, with no owner process (the engine keeps it). */
  engine?: 'swarm'
  owner: Owner
  /** The owner's HTTP API and dashboard. */
  url: string
  target: string
  server: string
  startedAt: string
  /** The owner's own log (its standard error). */
  log: string
}

/** Lab names: letters, digits, - and _ (they name files, networks and containers). */
const LAB_NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/

export function labDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SOCKLAB_LAB_DIR) return env.SOCKLAB_LAB_DIR
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'socklab-labs')
  return join(tmpdir(), `socklab-labs-${userInfo().uid}`)
}

export function checkLabName(name: string): string {
  if (!LAB_NAME.test(name)) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `a lab name is 1 to 40 lowercase letters, digits, - and _, starting with a letter or digit, not ${JSON.stringify(name)}`)
  return name
}

const recordPath = (name: string) => join(labDir(), `${name}.json`)
export const labLogPath = (name: string) => join(labDir(), `${name}.log`)

export function ensureLabDir(): void {
  mkdirSync(labDir(), { recursive: true, mode: 0o700 })
}

export function writeLabRecord(record: LabRecord): void {
  ensureLabDir()
  const path = recordPath(record.name)
  // Written whole or not at all: a reader never sees half a record.
  writeFileSync(`${path}.tmp`, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 })
  renameSync(`${path}.tmp`, path)
}

export function readLabRecord(name: string): LabRecord | undefined {
  try {
    return JSON.parse(readFileSync(recordPath(name), 'utf8')) as LabRecord
  } catch {
    return undefined
  }
}

/** Removes a lab's record and its owner's log (once the lab is down). */
export function removeLabRecord(name: string): void {
  rmSync(recordPath(name), { force: true })
  rmSync(labLogPath(name), { force: true })
}

/** How a lab is named in messages: `the lab` for the default one (no `lab lab`), else `lab <name>`. */
export const labTitle = (name: string): string => (name === 'lab' ? 'the lab' : `lab ${name}`)
