import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseServerSpec } from '../lab/server-spec.js'
import { LAB_ASSETS } from '../package/package-files.js'

const original = parseServerSpec(readFileSync(join(LAB_ASSETS, 'servers', 'original.yaml'), 'utf8'), 'original.yaml').adapter!
const events = (text: string) => original.events(text).map((e) => e.value as Record<string, unknown>)

describe("the original server's log adapter", () => {
  it('reads a console line as its event, with fields', () => {
    expect(events("Client01 connected from ('10.0.0.5', 40000)")).toEqual([
      expect.objectContaining({ event: 'client_connected', client: 'Client01', address: '10.0.0.5', port: 40000 }),
    ])
    expect(events('something else entirely')).toEqual([])
  })

  it('reads lines that two threads printed into one (print writes the text and the newline apart)', () => {
    expect(events('Client03 disconnected.Client01 disconnected.')).toEqual([
      expect.objectContaining({ event: 'client_disconnected', client: 'Client03', reason: 'exit', msg: 'Client03 disconnected.' }),
      expect.objectContaining({ event: 'client_disconnected', client: 'Client01', reason: 'exit', msg: 'Client01 disconnected.' }),
    ])
    expect(events("Client02 disconnected.Rejected connection from ('10.0.0.9', 41000). Server is full.").map((e) => e.event)).toEqual(['client_disconnected', 'client_rejected'])
  })
})
