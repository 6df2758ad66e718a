import { describe, expect, it } from 'vitest'
import { ClientRegistry } from './client-registry.js'

describe('ClientRegistry', () => {
  it('names clients in admission order and never admits more than the limit', () => {
    const registry = new ClientRegistry({ maxClients: 3, historyLength: 5 })
    const admitted = Array.from({ length: 10 }, (_, i) => registry.admit('10.0.0.1', 1000 + i))
    expect(admitted.filter(Boolean).map((r) => r!.name)).toEqual(['Client01', 'Client02', 'Client03'])
    expect(registry.size).toBe(3)
  })

  it('frees a slot exactly once and never reuses a name', () => {
    const registry = new ClientRegistry({ maxClients: 2, historyLength: 5 })
    const first = registry.admit('10.0.0.1', 1)!
    registry.admit('10.0.0.2', 2)
    expect(registry.release(first, 'reset')).toBe(true)
    expect(registry.release(first, 'eof')).toBe(false)
    expect(first.reason).toBe('reset')
    expect(registry.size).toBe(1)
    expect(registry.admit('10.0.0.3', 3)!.name).toBe('Client03')
    expect(registry.admit('10.0.0.4', 4)).toBeUndefined()
  })

  it('keeps a bounded history of disconnects', () => {
    const registry = new ClientRegistry({ maxClients: 1, historyLength: 2 })
    for (let i = 0; i < 4; i += 1) registry.release(registry.admit('10.0.0.1', i)!, 'exit')
    expect(registry.recent().map((r) => r.name)).toEqual(['Client03', 'Client04'])
  })
})
