import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SOCKLAB_BIN, spawnProcess, type Spawned } from './processes.js'

export const FIXTURE_SCENARIOS = fileURLToPath(new URL('../fixtures/scenarios/', import.meta.url))

export interface InterruptibleRun extends AsyncDisposable {
  run: Spawned
  /** The private temporary folder the run was given (TMPDIR): what it leaves there, it left behind. */
  tmp: string
  leftFolders(): Promise<string[]>
}

/** `socklab scenario run long-wait` with a private TMPDIR, started and waited for until its first step passed. */
export async function startLongRun(target: string, extra: string[] = []): Promise<InterruptibleRun> {
  const tmp = await mkdtemp(join(tmpdir(), 'interrupt-test-'))
  const run = spawnProcess('node', [SOCKLAB_BIN, 'scenario', 'run', 'long-wait', '--dir', FIXTURE_SCENARIOS, '--target', target, ...extra], {
    env: { TMPDIR: tmp, NO_COLOR: '1' },
  })
  await run.waitForOutput('✓ connect a')
  return {
    run,
    tmp,
    leftFolders: async () => readdir(tmp),
    async [Symbol.asyncDispose]() {
      await run[Symbol.asyncDispose]()
      await rm(tmp, { recursive: true, force: true })
    },
  }
}
