import { describe, expect, it } from 'vitest'
import { resolveClientOptions } from './client-options.js'
import { TIMER_MAX_MS } from '../values/duration.js'
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

  it('refuses a time longer than a Node timer can wait, for every option in milliseconds', () => {
    expect(resolveServerOptions({ idleTimeoutMs: TIMER_MAX_MS }).idleTimeoutMs).toBe(TIMER_MAX_MS)
    for (const name of ['idleTimeoutMs', 'commandTimeoutMs'] as const) {
      expect(() => resolveServerOptions({ [name]: TIMER_MAX_MS + 1 })).toThrow(/at most 2147483647 \(about 24\.8 days/)
    }
    expect(() => resolveClientOptions({ replyTimeoutMs: 3e9 })).toThrow(/--reply-timeout-ms \(SOCKLAB_REPLY_TIMEOUT_MS\): expected at most 2147483647/)
  })
})
