import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ajv } from 'ajv'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { SHIPPED_SCENARIOS } from '../package/package-files.js'
import { scenarioSchema } from './scenario-schema.js'

const SHIPPED_SCHEMA = fileURLToPath(new URL('../../schema/scenario.schema.json', import.meta.url))
const FIXTURES = fileURLToPath(new URL('../../test/fixtures/scenarios/', import.meta.url))
const GRADING = fileURLToPath(new URL('../../examples/grading/scenarios/', import.meta.url))
const REDIS = fileURLToPath(new URL('../../examples/redis/scenarios/', import.meta.url))
const CHAT = fileURLToPath(new URL('../../examples/chat/scenarios/', import.meta.url))
const validate = new Ajv({ allErrors: true, strict: false }).compile(scenarioSchema())
const valid = (text: string) => validate(parse(text))

describe('the JSON Schema of scenario files', () => {
  it('ships as schema/scenario.schema.json, the same as `socklab scenario schema` prints', async () => {
    expect(JSON.parse(await readFile(SHIPPED_SCHEMA, 'utf8')), 'run: node bin/socklab.js scenario schema > schema/scenario.schema.json').toEqual(scenarioSchema())
  })

  it('accepts every shipped scenario, every valid fixture and the grading, Redis and chat examples', async () => {
    for (const dir of [SHIPPED_SCENARIOS, FIXTURES, GRADING, REDIS, CHAT]) {
      for (const name of (await readdir(dir)).filter((n) => n.endsWith('.yaml'))) {
        expect(valid(await readFile(join(dir, name), 'utf8')), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true)
      }
    }
  })

  it.each([
    ['an unknown step kind', 'clients: [a]\nsteps: [ { conect: a } ]'],
    ['a mistyped key in a step', 'clients: [a]\nsteps: [ { send: { client: a, comand: hi } } ]'],
    ['a where: key the event does not have', 'clients: [a]\nsteps: [ { wait_event: { event: client_disconnected, where: { reson: exit } } } ]'],
    ['a disconnect reason that does not exist', 'clients: [a]\nsteps: [ { wait_event: { event: client_disconnected, where: { reason: closed } } } ]'],
    ['an unknown error code', 'clients: [a]\nsteps: [ { get: { client: a, file: x, error: FILE_NOT_FOND } } ]'],
    ['an unknown server setting', 'server: { maxClient: 2 }\nclients: [a]\nsteps: [ { connect: a } ]'],
    ['a retry without a bound', 'clients: [a]\nsteps: [ { connect: a, retry: { every: 1s } } ]'],
    ['an unknown protocol', 'clients: { a: { protocol: telnet } }\nsteps: [ { connect: a } ]'],
    ['a send of both text and bytes', 'clients: { a: { protocol: text } }\nsteps: [ { send: { client: a, text: hi, bytes: hi } } ]'],
    ['an expectation of two kinds', 'clients: { a: { protocol: text } }\nsteps: [ { receive: { client: a, expect: { regex: x, length: 2 } } } ]'],
    ['a close of a third kind', 'clients: { a: { protocol: text } }\nsteps: [ { expect_closed: { client: a, how: timeout } } ]'],
    ['a silence of no length', 'clients: { a: { protocol: text } }\nsteps: [ { expect_silence: { client: a } } ]'],
  ])('refuses %s', (_, text) => {
    expect(valid(text)).toBe(false)
  })

  it('accepts variables where numbers go', () => {
    expect(valid('vars: { n: 3 }\nserver: { maxClients: "${n}" }\nclients: { crowd: { count: "${n}" } }\nsteps: [ { repeat: { times: "${n}", steps: [ { sleep: 1ms } ] } } ]')).toBe(true)
  })
})
