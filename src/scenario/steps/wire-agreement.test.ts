import { describe, expect, it } from 'vitest'
import type { LoggedEvent } from '../../events/event-stream.js'
import { wireDisagreement } from './wire-agreement.js'
import { WireLedger } from './wire-ledger.js'

const logged = (event: string, fields: Record<string, unknown>) => ({ event, msg: '', level: 30, ...fields }) as unknown as LoggedEvent

describe("a console event checked against the wire", () => {
  const wire = new WireLedger()
  wire.connections.push({ client: 'a', address: '10.0.0.11', port: 40001, outcome: 'admitted', relayed: false }, { client: 'd', address: '10.0.0.14', port: 40004, outcome: 'rejected', relayed: false })
  const check = (event: LoggedEvent) => wireDisagreement({ wire }, [event], AbortSignal.timeout(5000))

  it('agrees where the wire saw the same', async () => {
    expect(await check(logged('client_connected', { client: 'Client01', address: '10.0.0.11', port: 40001 }))).toBeUndefined()
    expect(await check(logged('client_rejected', { address: '10.0.0.14', port: 40004 }))).toBeUndefined()
    expect(await check(logged('client_disconnected', { client: 'Client01', address: '10.0.0.11', port: 40001, reason: 'exit' }))).toBeUndefined()
  })

  it('says what the log claims that did not happen', async () => {
    expect(await check(logged('client_connected', { client: 'Client02', address: '10.0.0.12', port: 40002 }))).toBe('the log claims a connection that did not happen: client_connected from 10.0.0.12:40002, and no client connected from there')
    expect(await check(logged('client_connected', { client: 'Client04', address: '10.0.0.14', port: 40004 }))).toBe('the log claims d (10.0.0.14:40004) was admitted, but on the wire it was turned away')
    expect(await check(logged('client_rejected', { address: '10.0.0.11', port: 40001 }))).toBe('the log claims a (10.0.0.11:40001) was turned away, but on the wire it was admitted')
    expect(await check(logged('client_disconnected', { client: 'Client04', address: '10.0.0.14', port: 40004, reason: 'exit' }))).toBe('the log claims d (10.0.0.14:40004) disconnected after being admitted, but on the wire it was turned away')
    expect(await check(logged('client_disconnected', { client: 'Client09', address: '10.0.0.19', port: 40009, reason: 'eof' }))).toBe('the log claims a connection that did not happen: client_disconnected from 10.0.0.19:40009, and no client connected from there')
  })

  it('says nothing where the wire cannot tell: no address in the line, or a relayed client that may be the one', async () => {
    expect(await check(logged('client_disconnected', { client: 'Client07', reason: 'exit' }))).toBeUndefined()
    const relayed = new WireLedger()
    relayed.connections.push({ client: 'r', address: '127.0.0.1', port: 41000, outcome: 'admitted', relayed: true })
    expect(await wireDisagreement({ wire: relayed }, [logged('client_connected', { client: 'Client01', address: '10.0.0.30', port: 40100 })], AbortSignal.timeout(5000))).toBeUndefined()
  })
})
