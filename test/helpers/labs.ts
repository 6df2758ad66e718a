import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SOCKLAB_BIN, runProcess, type Run } from './processes.js'

/** `socklab lab …` with its records in a folder of the test's own, so tests and users never share labs. */
export interface LabCli extends AsyncDisposable {
  dir: string
  run(...args: string[]): Promise<Run>
}

export async function labCli(): Promise<LabCli> {
  const dir = await mkdtemp(join(tmpdir(), 'socklab-labs-test-'))
  const run = (...args: string[]) => runProcess('node', [SOCKLAB_BIN, 'lab', ...args], '', { SOCKLAB_LAB_DIR: dir, NO_COLOR: '1' })
  return {
    dir,
    run,
    async [Symbol.asyncDispose]() {
      await rm(dir, { recursive: true, force: true })
    },
  }
}
