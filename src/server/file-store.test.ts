import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { link, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fileNameProblem } from './file-name.js'
import { FileStore } from './file-store.js'

let root: string
let store: FileStore

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'socklab-store-'))
  const served = join(root, 'served')
  await mkdir(served)
  await writeFile(join(root, 'secret.txt'), 'SECRET')
  await writeFile(join(served, 'ok.txt'), 'fine')
  await writeFile(join(served, 'empty.bin'), '')
  await mkdir(join(served, 'folder'))
  await symlink(join(root, 'secret.txt'), join(served, 'link-out.txt'))
  await symlink('ok.txt', join(served, 'link-in.txt'))
  await link(join(root, 'secret.txt'), join(served, 'hard.txt'))
  execFileSync('mkfifo', [join(served, 'fifo')])
  store = await FileStore.open(served)
})

afterAll(() => rm(root, { recursive: true, force: true }))

describe('fileNameProblem', () => {
  it.each(['', '.', '..', '../x', 'a/b', '/etc/passwd', '..\\x', 'a\\b', 'a\u0000b', 'a\nb', 'x'.repeat(256)])(
    'refuses %j',
    (name) => expect(fileNameProblem(name)).toBeDefined(),
  )
  it.each(['ok.txt', '..hidden', 'a..b', 'ünï çødé.bin', 'x'.repeat(255)])('accepts %j', (name) =>
    expect(fileNameProblem(name)).toBeUndefined(),
  )
})

describe('FileStore', () => {
  it('lists only the regular files it would serve, sorted', async () => {
    expect(await store.list()).toEqual(['empty.bin', 'ok.txt'])
  })

  it('opens a plain file and hashes it', async () => {
    const opened = await store.open('ok.txt')
    expect(opened.ok).toBe(true)
    if (!opened.ok) return
    expect(await store.sha256(opened.file)).toBe(createHash('sha256').update('fine').digest('hex'))
    await opened.file.handle.close()
  })

  it('hashes an empty file', async () => {
    const opened = await store.open('empty.bin')
    if (!opened.ok) throw new Error('expected to open')
    expect(await store.sha256(opened.file)).toBe(createHash('sha256').digest('hex'))
    await opened.file.handle.close()
  })

  it.each([
    ['link-out.txt', 'PATH_REFUSED'],
    ['link-in.txt', 'PATH_REFUSED'],
    ['hard.txt', 'PATH_REFUSED'],
    ['../secret.txt', 'PATH_REFUSED'],
    ['folder', 'FILE_NOT_FOUND'],
    ['fifo', 'FILE_NOT_FOUND'],
    ['missing', 'FILE_NOT_FOUND'],
  ])('refuses %s with %s', async (name, code) => {
    const opened = await store.open(name)
    expect(opened).toMatchObject({ ok: false, code })
  })

  it('refuses to start on a folder that does not exist', async () => {
    await expect(FileStore.open(join(root, 'nope'))).rejects.toMatchObject({ code: 'SOCKLAB_CONFIG_INVALID' })
  })
})
