import { join, resolve, sep } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fileNameProblem } from './file-name.js'

describe('properties of the file-name rule', () => {
  it('any accepted name resolves to a direct child of the served folder', () => {
    const root = '/srv/server_files'
    const name = fc.oneof(
      fc.string(),
      fc.stringMatching(/^[./\\a-z%\u0000]{0,12}$/),
      fc.constantFrom('..', '.', '../x', '..\\x', '/etc/passwd', 'a/../..', '%2e%2e%2f'),
    )
    fc.assert(
      fc.property(name, (candidate) => {
        if (fileNameProblem(candidate) !== undefined) return
        const target = resolve(join(root, candidate))
        expect(target.startsWith(root + sep)).toBe(true)
        expect(target.slice(root.length + 1)).not.toContain(sep)
      }),
      { numRuns: 2000 },
    )
  })
})
