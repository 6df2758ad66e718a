import { randomBytes } from 'node:crypto'
import { stat } from 'node:fs/promises'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { MiB } from './stats.js'

/** A random file of `size` bytes in `folder` (kept between runs), and its name. */
export async function benchFile(folder: string, size: number): Promise<string> {
  const name = `bench-${size % MiB === 0 ? `${size / MiB}mib` : `${size}b`}.bin`
  const path = join(folder, name)
  const existing = await stat(path).catch(() => undefined)
  if (existing?.size === size) return name
  const handle = await open(path, 'w', 0o644)
  try {
    for (let written = 0; written < size; written += 4 * MiB) await handle.write(randomBytes(Math.min(4 * MiB, size - written)))
  } finally {
    await handle.close()
  }
  return name
}

export { freePort } from '../../src/index.js'
