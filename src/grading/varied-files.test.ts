import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { varyFiles } from './varied-files.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'varied-'))
  await writeFile(join(dir, 'hello.txt'), 'hello, world\nsecond line\n')
  await writeFile(join(dir, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39]))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

async function drawn(seed: string, submission: string) {
  const into = await mkdtemp(join(dir, 'out-'))
  const variation = await varyFiles(join(dir), seed, submission, into)
  return { variation, text: await readFile(join(into, 'hello.txt')), binary: await readFile(join(into, 'logo.png')) }
}

describe('files drawn per submission (--vary)', () => {
  it('keeps names and sizes, keeps text as text, and draws the same files again from the same seed', async () => {
    const first = await drawn('s1', 'ada')
    const again = await drawn('s1', 'ada')
    expect(again.variation).toEqual(first.variation)
    expect(first.variation.files.map((f) => [f.name, f.size])).toEqual([['hello.txt', 25], ['logo.png', 44]])
    expect(first.text.toString()).toMatch(/^[a-z \n]+\n$/)
    expect(first.text.toString()).not.toBe('hello, world\nsecond line\n')
    expect(first.binary).toHaveLength(44)
  })

  it('draws other files for another submission, and for another seed', async () => {
    const ada = await drawn('s1', 'ada')
    const bob = await drawn('s1', 'bob')
    const other = await drawn('s2', 'ada')
    expect(bob.binary.equals(ada.binary)).toBe(false)
    expect(other.binary.equals(ada.binary)).toBe(false)
    expect(bob.variation.files[0]!.sha256).not.toBe(ada.variation.files[0]!.sha256)
  })
})
