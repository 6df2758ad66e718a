import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { link, mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { RawClient } from '../helpers/raw-client.js'
import { session } from '../helpers/sessions.js'
import { startTestServer } from '../helpers/test-server.js'

/**
 * Names a client may send to reach outside the served folder. For each, through both modes, no byte of the
 * secret beside the folder may come back, and no transfer may be logged.
 */
const TRAVERSAL = [
  '../secret.txt', '../../secret.txt', '../../../../../../etc/passwd', './../secret.txt', 'a/../../secret.txt',
  'hello.txt/../../secret.txt', '..//secret.txt', '..///secret.txt', '.../secret.txt', '....//secret.txt',
  '..././secret.txt', '..\\secret.txt', '..\\..\\secret.txt', '.\\..\\secret.txt', '..\\/secret.txt',
  '../\\secret.txt', '/etc/passwd', '//etc/passwd', '/proc/self/environ', '/proc/self/cwd/secret.txt',
  'C:\\Windows\\win.ini', '\\\\server\\share\\secret.txt', '..', '.', '../', '..\\', '/', '\\',
  '%2e%2e%2fsecret.txt', '%2e%2e/secret.txt', '..%2fsecret.txt', '%252e%252e%252fsecret.txt', '..%5csecret.txt',
  '%c0%ae%c0%ae/secret.txt', '\u2024\u2024/secret.txt', '\uff0e\uff0e/secret.txt', '..\u2215secret.txt', '..\u29f5secret.txt',
  'secret.txt\u0000.png', '../secret.txt\u0000', '\u0000', 'hello.txt\nsecret.txt', 'x'.repeat(256), `${'a/'.repeat(100)}secret.txt`,
  '~/secret.txt', '$HOME/secret.txt',
]

/** Links and special files planted inside the folder, every one pointing out or not a regular file. */
const PLANTED = ['link-out-absolute', 'link-out-relative', 'link-chain', 'link-dir', 'hard-link', 'fifo', 'link-to-proc']

describe('path-escape corpus', () => {
  it(`has at least 40 variants (${TRAVERSAL.length + PLANTED.length})`, () => {
    expect(TRAVERSAL.length + PLANTED.length).toBeGreaterThanOrEqual(40)
  })

  it('never returns a byte from outside the folder, in either mode', async () => {
    await using t = await startTestServer({ maxCommandLength: 8192 })
    const outside = dirname(t.files)
    const secret = `TOP-SECRET-${randomBytes(8).toString('hex')}`
    await writeFile(join(outside, 'secret.txt'), secret)
    await mkdir(join(outside, 'secret-dir'))
    await writeFile(join(outside, 'secret-dir', 'inside.txt'), secret)
    await symlink(join(outside, 'secret.txt'), join(t.files, 'link-out-absolute'))
    await symlink('../secret.txt', join(t.files, 'link-out-relative'))
    await symlink('link-out-relative', join(t.files, 'link-chain'))
    await symlink(join(outside, 'secret-dir'), join(t.files, 'link-dir'))
    await link(join(outside, 'secret.txt'), join(t.files, 'hard-link'))
    execFileSync('mkfifo', [join(t.files, 'fifo')])
    await symlink('/proc/self/environ', join(t.files, 'link-to-proc'))

    using framed = await session(t.port, { downloadDir: t.downloads })
    const compat = await RawClient.connect(t.port)
    for (const name of [...TRAVERSAL, ...PLANTED]) {
      const reply = await framed.send(`get ${name}`)
      expect(reply.kind, `framed get ${JSON.stringify(name)}`).toBe('error')
      expect(['PATH_REFUSED', 'FILE_NOT_FOUND']).toContain((reply as { code: string }).code)
      // In compatible mode a newline ends a command by design: `get a\nb` is two commands, not a name.
      if (name.includes('\n')) continue
      compat.send(`get ${name}\n`)
      const text = (await compat.until((r) => r.toString().endsWith('\n'))).toString()
      expect(text, `compat get ${JSON.stringify(name)}`).toBe('File not found\n')
    }
    expect(t.log.all('transfer_completed')).toEqual([])
    const newlineNames = TRAVERSAL.filter((n) => n.includes('\n')).length
    expect(t.log.all('file_refused').length).toBe(2 * (TRAVERSAL.length + PLANTED.length) - newlineNames)
    for (const event of t.log.events) expect(JSON.stringify(event)).not.toContain(secret)
    // The folder itself is still served normally.
    expect(await framed.send('get hello.txt')).toMatchObject({ kind: 'saved', verified: true })
  })

  it('never serves foreign bytes while a file is swapped for a symbolic link between requests', async () => {
    await using t = await startTestServer()
    const outside = dirname(t.files)
    const secret = `SWAPPED-SECRET-${randomBytes(8).toString('hex')}`
    await writeFile(join(outside, 'secret.txt'), secret)
    const target = join(t.files, 'swap.txt')
    const plain = join(outside, 'plain.tmp')
    const linked = join(outside, 'linked.tmp')
    let swapping = true
    // Swaps atomically (rename) between a regular file and a link out, as fast as the loop turns.
    const swapper = (async () => {
      for (let i = 0; swapping; i += 1) {
        if (i % 2 === 0) {
          await writeFile(plain, 'ordinary content')
          await rename(plain, target)
        } else {
          await rm(linked, { force: true })
          await symlink(join(outside, 'secret.txt'), linked)
          await rename(linked, target)
        }
      }
    })()
    using client = await session(t.port, { downloadDir: t.downloads })
    const outcomes = new Map<string, number>()
    try {
      for (let i = 0; i < 300; i += 1) {
        const reply = await client.send('get swap.txt')
        const kind = reply.kind === 'error' ? reply.code : reply.kind
        outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1)
        if (reply.kind === 'saved') {
          const { readFile } = await import('node:fs/promises')
          expect(await readFile(reply.path, 'utf8')).toBe('ordinary content')
        }
      }
    } finally {
      swapping = false
      await swapper
    }
    expect([...outcomes.keys()].every((k) => ['saved', 'PATH_REFUSED', 'FILE_NOT_FOUND'].includes(k))).toBe(true)
    for (const event of t.log.events) expect(JSON.stringify(event)).not.toContain(secret)
  })
})
