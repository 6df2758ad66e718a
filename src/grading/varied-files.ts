import { createHash, createHmac } from 'node:crypto'
import { readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/** What a submission's files were drawn as (`--vary`): recorded beside its grade, so a regrade is the same. */
export interface Variation {
  seed: string
  files: Array<{ name: string; size: number; sha256: string }>
}

/** Words drawn for a text file's lines. */
const WORDS = ['socket', 'packet', 'server', 'client', 'buffer', 'stream', 'thread', 'port', 'frame', 'route', 'bridge', 'lab', 'reply', 'byte', 'host', 'link']

/** `size` bytes drawn from the seed, the submission and the file's name alone (HMAC-SHA256 in counter mode). */
function drawnBytes(seed: string, submission: string, name: string, size: number): Buffer {
  const out = Buffer.alloc(size)
  for (let block = 0, at = 0; at < size; block += 1, at += 32) {
    createHmac('sha256', seed).update(`${submission}\0${name}\0${block}`).digest().copy(out, at)
  }
  return out
}

/** Text of `size` bytes, lines of drawn words: a text file stays text (and as long), with other words. */
function drawnText(bytes: Buffer): Buffer {
  let text = ''
  for (let i = 0; text.length < bytes.length; i += 1) {
    const word = WORDS[bytes[i % bytes.length]! % WORDS.length]!
    text += (i + 1) % 8 === 0 ? `${word}\n` : `${word} `
  }
  return Buffer.from(text.slice(0, bytes.length - 1) + '\n')
}

const isText = (content: Buffer): boolean => !content.includes(0) && Buffer.from(content.toString('utf8'), 'utf8').equals(content)

/**
 * The served files for one submission under `--vary <seed>`: every file of `shipped`, same name and size,
 * its content drawn from the seed and the submission's name (text stays text), written into `into`. A
 * submission cannot hard-code what it serves, and a regrade with the same seed draws the same files.
 */
export async function varyFiles(shipped: string, seed: string, submission: string, into: string): Promise<Variation> {
  const files: Variation['files'] = []
  for (const name of (await readdir(shipped)).sort()) {
    const from = join(shipped, name)
    if (!(await stat(from)).isFile()) continue
    const original = await readFile(from)
    const drawn = drawnBytes(seed, submission, name, original.length)
    const content = original.length > 0 && isText(original) ? drawnText(drawn) : drawn
    await writeFile(join(into, name), content, { mode: 0o644 })
    files.push({ name, size: content.length, sha256: createHash('sha256').update(content).digest('hex') })
  }
  return { seed, files }
}
