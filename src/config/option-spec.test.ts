import { describe, expect, it } from 'vitest'
import { SERVER_DEFAULTS, resolveServerOptions } from './server-options.js'

describe('server options', () => {
  it('fills every default and freezes the result', () => {
    const options = resolveServerOptions({ maxClients: 5 })
    expect(options).toEqual({ ...SERVER_DEFAULTS, maxClients: 5 })
    expect(Object.isFrozen(options)).toBe(true)
    expect(SERVER_DEFAULTS).toMatchObject({ host: '0.0.0.0', port: 12345, maxClients: 3, files: './server_files' })
  })

  it('refuses out-of-range and unknown options with the flag and variable named', () => {
    expect(() => resolveServerOptions({ maxClients: 0 })).toThrow(/--max-clients \(SOCKLAB_MAX_CLIENTS\): expected at least 1/)
    expect(() => resolveServerOptions({ port: 1.5 })).toThrow(/whole number/)
    expect(() => resolveServerOptions({ logFormat: 'xml' })).toThrow(/one of auto, json, pretty, plain/)
    expect(() => resolveServerOptions({ colour: 1 } as never)).toThrow(/unknown option colour/)
  })
})
