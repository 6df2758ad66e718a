import { describe, expect, it } from 'vitest'
import { envOptions, unknownEnvNames } from './env-options.js'
import { CLIENT_OPTION_SPECS } from './client-options.js'
import { SERVER_DEFAULTS, SERVER_OPTION_SPECS, resolveServerOptions } from './server-options.js'

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

describe('environment', () => {
  it('reads SOCKLAB_ variables by option name, typed', () => {
    const env = { SOCKLAB_MAX_CLIENTS: '7', SOCKLAB_LOG_FORMAT: 'plain', SOCKLAB_IDLE_TIMEOUT_MS: '' }
    expect(envOptions(SERVER_OPTION_SPECS, env)).toEqual({ maxClients: 7, logFormat: 'plain' })
    expect(envOptions(CLIENT_OPTION_SPECS, { SOCKLAB_PROGRESS: 'false' })).toEqual({ progress: false })
  })

  it('refuses a value that does not parse, naming the variable', () => {
    expect(() => envOptions(SERVER_OPTION_SPECS, { SOCKLAB_PORT: 'eighty' })).toThrow(/SOCKLAB_PORT: expected a number/)
  })

  it('spots variables that name no option', () => {
    expect(unknownEnvNames([SERVER_OPTION_SPECS, CLIENT_OPTION_SPECS], { SOCKLAB_MAX_CLIENT: '1', SOCKLAB_PORT: '1', PATH: '/' })).toEqual([
      'SOCKLAB_MAX_CLIENT',
    ])
  })
})
