import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseScenario } from '../scenario/scenario-parser.js'
import { drawnName, generatedNames, varyFiles, withDrawnNames } from './varied-files.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'varied-'))
  await writeFile(join(dir, 'hello.txt'), 'hello, world\nsecond line\n')
  await writeFile(join(dir, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39]))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

async function drawn(seed: string, submission: string) {
  const into = await mkdtemp(join(dir, 'out-'))
  const variation = await varyFiles(join(dir), seed, submission, into, ['random.bin'])
  const named = (was: string) => variation.files.find((f) => f.was === was)!.name
  return { variation, text: await readFile(join(into, named('hello.txt'))), binary: await readFile(join(into, named('logo.png'))) }
}

describe('files drawn per submission (--vary)', () => {
  it('draws names (extensions kept) and contents (sizes kept, text stays text), and the same again from the same seed', async () => {
    const first = await drawn('s1', 'ada')
    const again = await drawn('s1', 'ada')
    expect(again.variation).toEqual(first.variation)
    expect(first.variation.files.map((f) => [f.was, f.size])).toEqual([['hello.txt', 25], ['logo.png', 44]])
    for (const file of first.variation.files) {
      expect(file.name).toMatch(/^[a-z]+-[0-9a-f]{6}\.(txt|png)$/)
      expect(file.name.split('.').at(-1)).toBe(file.was.split('.').at(-1))
      expect(first.variation.names[file.was]).toBe(file.name)
    }
    expect(first.variation.names['random.bin']).toBe(drawnName('s1', 'ada', 'random.bin'))
    expect(first.text.toString()).toMatch(/^[a-z \n]+\n$/)
    expect(first.text.toString()).not.toBe('hello, world\nsecond line\n')
    expect(first.binary).toHaveLength(44)
  })

  it("gives a scenario the drawn names wherever it names a file whole: a get, a command, a reply, a regex, a generated file", () => {
    const scenario = parseScenario(
      [
        'description: names',
        'server:',
        '  files: [ { name: random.bin, size: 1KiB } ]',
        'clients: [a]',
        'steps:',
        '  - connect: a',
        '  - get: { client: a, file: logo.png }',
        '  - get: { client: a, file: random.bin }',
        '  - send: { client: a, command: get hello.txt, reply: { contains: "second" } }',
        '  - send: { client: a, command: list, reply: { contains: logo.png } }',
        '  - send: { client: a, command: list, reply: { regex: "^hello\\\\.txt\\\\nlogo\\\\.png$" } }',
        '  - send: { client: a, command: old-logo.png and logo.png.bak, reply: old-logo.png and logo.png.bak ACK }',
        '',
      ].join('\n'),
      'names.yaml',
    )
    expect(generatedNames([scenario])).toEqual(['random.bin'])
    const names = { 'hello.txt': 'port-0a0b0c.txt', 'logo.png': 'lab-1a2b3c.png', 'random.bin': 'byte-ffeedd.bin' }
    const renamed = JSON.stringify(withDrawnNames(scenario, names))
    expect(renamed).not.toMatch(/"(get )?(hello\.txt|logo\.png|random\.bin)"/)
    expect(renamed).toContain('"file":"lab-1a2b3c.png"')
    expect(renamed).toContain('"file":"byte-ffeedd.bin"')
    expect(renamed).toContain('"name":"byte-ffeedd.bin"')
    expect(renamed).toContain('get port-0a0b0c.txt')
    expect(renamed).toContain(String.raw`^port-0a0b0c\\.txt\\nlab-1a2b3c\\.png$`)
    // A longer name that holds one is another file.
    expect(renamed).toContain('old-logo.png and logo.png.bak ACK')
    expect(JSON.stringify(withDrawnNames(scenario, {}))).toBe(JSON.stringify(scenario))
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
