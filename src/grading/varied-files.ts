import { createHash, createHmac } from 'node:crypto'
import { readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { extname, join } from 'node:path'
import type { Scenario } from '../scenario/scenario.js'

/** What a submission's files were drawn as (`--vary`): recorded beside its grade, so a regrade is the same. */
export interface Variation {
  seed: string
  /** The served folder's files: each one's drawn name, the name it was drawn for (`was`), its size and SHA-256. */
  files: Array<{ name: string; was: string; size: number; sha256: string }>
  /** Every name drawn, the scenarios' generated files' included: the name a scenario says → the one served. */
  names: Record<string, string>
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

/**
 * A file's drawn name: a word and six hex digits from the seed, the submission and its name, its extension
 * kept (`socklab.png` → `bridge-3fa19c.png`), so a listing or a `get` of the shipped names cannot be hard-coded.
 */
export function drawnName(seed: string, submission: string, name: string): string {
  const digest = createHmac('sha256', seed).update(`${submission}\0name\0${name}`).digest()
  return `${WORDS[digest[0]! % WORDS.length]}-${digest.subarray(1, 4).toString('hex')}${extname(name)}`
}

const isText = (content: Buffer): boolean => !content.includes(0) && Buffer.from(content.toString('utf8'), 'utf8').equals(content)

/**
 * The served files for one submission under `--vary <seed>`: every file of `shipped` under a drawn name (its
 * extension and size kept), its content drawn from the seed and the submission's name (text stays text),
 * written into `into`; and a drawn name for each file the scenarios generate (`also`). A submission cannot
 * hard-code what it serves or lists, and a regrade with the same seed draws the same files.
 */
export async function varyFiles(shipped: string, seed: string, submission: string, into: string, also: readonly string[] = []): Promise<Variation> {
  const files: Variation['files'] = []
  const names: Record<string, string> = {}
  const taken = new Set<string>()
  const draw = (name: string): string => {
    let drawn = drawnName(seed, submission, name)
    for (let n = 2; taken.has(drawn); n += 1) drawn = drawnName(seed, submission, `${name}\0${n}`)
    taken.add(drawn)
    return (names[name] = drawn)
  }
  for (const name of (await readdir(shipped)).sort()) {
    const from = join(shipped, name)
    if (!(await stat(from)).isFile()) continue
    const original = await readFile(from)
    const drawn = drawnBytes(seed, submission, name, original.length)
    const content = original.length > 0 && isText(original) ? drawnText(drawn) : drawn
    const to = draw(name)
    await writeFile(join(into, to), content, { mode: 0o644 })
    files.push({ name: to, was: name, size: content.length, sha256: createHash('sha256').update(content).digest('hex') })
  }
  for (const name of [...new Set(also)].sort()) if (!(name in names)) draw(name)
  return { seed, files, names }
}

/** The names of the files a scenario generates for its server (`server: { files: [...] }`). */
export const generatedNames = (scenarios: readonly Scenario[]): string[] => scenarios.flatMap((s) => s.server.files.map((f) => f.name))

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * A scenario as it reads with the drawn names: wherever one of its steps (a `get`, a command, an expected
 * reply, a regex) or its generated files say a file's name, as a whole name, the drawn one stands instead.
 */
export function withDrawnNames(scenario: Scenario, names: Readonly<Record<string, string>>): Scenario {
  const pairs = Object.entries(names).sort(([a], [b]) => b.length - a.length)
  if (pairs.length === 0) return scenario
  // A name stands whole: not inside a longer name (`old-hello.txt`, `hello.txt.bak`); in a regex, it may follow an escape (`\\n`).
  const edge = '[\\w.-]'
  const before = `(?:(?<!${edge})|(?<=\\\\[a-zA-Z]))`
  const patterns = pairs.map(([from, to]) => [new RegExp(`${before}(?:${escapeRegExp(escapeRegExp(from))}|${escapeRegExp(from)})(?!${edge})`, 'g'), to] as const)
  const rename = (text: string): string => {
    let out = text
    for (const [pattern, to] of patterns) out = out.replace(pattern, (found) => (found.includes('\\') ? escapeRegExp(to) : to))
    return out
  }
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return rename(value)
    if (Array.isArray(value)) return value.map(walk)
    if (value !== null && typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, walk(inner)]))
    }
    return value
  }
  return { ...scenario, steps: walk(scenario.steps) as Scenario['steps'], server: { ...scenario.server, files: walk(scenario.server.files) as Scenario['server']['files'] } }
}
