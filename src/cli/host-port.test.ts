import { describe, expect, it } from 'vitest'
import { parseHostPort } from './host-port.js'

describe('parseHostPort', () => {
  it('reads host:port, IPv6 in brackets, and refuses what is not one', () => {
    expect(parseHostPort('192.168.1.20:12345')).toEqual({ host: '192.168.1.20', port: 12345 })
    expect(parseHostPort('server:12345')).toEqual({ host: 'server', port: 12345 })
    expect(parseHostPort('[::1]:12345')).toEqual({ host: '::1', port: 12345 })
    for (const bad of ['nowhere', 'host:', ':12345', 'host:0', 'host:65536', 'host:port']) expect(parseHostPort(bad)).toBeUndefined()
  })
})
