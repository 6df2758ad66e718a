import { describe, expect, it } from 'vitest'
import { closest, editDistance } from './did-you-mean.js'

describe('did you mean', () => {
  it('measures typos, swaps included', () => {
    expect(editDistance('sever', 'server')).toBe(1)
    expect(editDistance('prot', 'port')).toBe(1)
    expect(editDistance('scneario', 'scenario')).toBe(1)
    expect(editDistance('abc', 'abc')).toBe(0)
  })

  it('suggests near misses and prefixes, and nothing for what is far from every word', () => {
    expect(closest('sever', ['server', 'client', 'scenario'])).toBe('server')
    expect(closest('prot', ['port', 'host', 'files'])).toBe('port')
    expect(closest('max-client', ['max-clients', 'max-command-length'])).toBe('max-clients')
    expect(closest('scen', ['server', 'scenario'])).toBe('scenario')
    expect(closest('banana', ['server', 'client'])).toBeUndefined()
  })
})
