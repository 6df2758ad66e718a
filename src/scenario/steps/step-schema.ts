import { SOCKLAB_ERROR_CODES } from '../../errors/socklab-error.js'
import { EVENT_FIELD_VALUES, FIELD_VALUES, SERVER_EVENT_FIELDS, SERVER_EVENT_NAMES } from '../../events/server-event.js'
import { WIRE_ERROR_CODES } from '../../protocol/wire-error-code.js'
import { DISCONNECT_HOWS, KILLED } from '../scenario.js'

/**
 * What step kinds build their JSON Schema from (scenario-schema.ts puts the whole file's schema together):
 * shared definitions, referred to by name, and the shapes several kinds share.
 */

/** A JSON Schema (draft-07) fragment. */
export type JsonSchema = { [key: string]: unknown }

/** A reference to one of the shared definitions below. */
export const ref = (name: keyof typeof DEFINITIONS): JsonSchema => ({ $ref: `#/definitions/${name}` })

/** `${name}` or `${client.fact}`, anywhere a value may hold one; numbers may be given as variables. */
const TEMPLATED = '\\$\\{[^}]+\\}'
export const numberOr = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: 'string', pattern: `^${TEMPLATED}$` }] })

/** Definitions the step kinds' schemas refer to by name. */
export const DEFINITIONS = {
  text: { type: ['string', 'number', 'boolean'], description: 'text; may hold ${name} and ${client.address|port|name}' },
  client: { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,30}$', description: 'a client of the scenario (a group member is one too: crowd-1)' },
  group: { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,30}$', description: 'a client group (a client with a count)' },
  duration: { type: ['string', 'number'], pattern: `^(\\d+(\\.\\d+)?\\s*(ms|s|m)?|${TEMPLATED})$`, description: 'a duration: 500ms, 10s, 2m (a bare number is milliseconds)' },
  count: numberOr({ type: 'integer', minimum: 0 }),
  errorCode: { enum: [...WIRE_ERROR_CODES, ...SOCKLAB_ERROR_CODES], description: 'an error the server (ERROR frames) or the client gives' },
  reply: {
    description: 'the reply expected: a text (equal), or one of equals, contains, regex, error',
    anyOf: [
      { type: ['string', 'number', 'boolean'] },
      {
        type: 'object',
        minProperties: 1,
        maxProperties: 1,
        additionalProperties: false,
        properties: { equals: { $ref: '#/definitions/text' }, contains: { $ref: '#/definitions/text' }, regex: { type: 'string' }, error: { $ref: '#/definitions/errorCode' } },
      },
    ],
  },
  retry: {
    type: 'object',
    additionalProperties: false,
    description: 'try a failed step again: up to `times` more attempts, none begun after `until`, `every` apart',
    anyOf: [{ required: ['times'] }, { required: ['until'] }],
    properties: { times: numberOr({ type: 'integer', minimum: 1 }), until: { $ref: '#/definitions/duration' }, every: { $ref: '#/definitions/duration' } },
  },
  steps: { type: 'array', items: { $ref: '#/definitions/step' } },
} satisfies Record<string, JsonSchema>

/** Keys any step's map may also hold (STEP_OPTIONS). */
export const STEP_OPTION_SCHEMAS: JsonSchema = { timeout: ref('duration'), retry: ref('retry') }

/** A map body of a step: these properties and the step options, nothing else. */
export function stepMap(properties: JsonSchema, required: string[] = [], extra: JsonSchema = {}): JsonSchema {
  return { type: 'object', additionalProperties: false, required, properties: { ...properties, ...STEP_OPTION_SCHEMAS }, ...extra }
}

/** `where:` of an event step: the fields of the event named beside it, and their fixed values. */
function eventSteps(): JsonSchema[] {
  return SERVER_EVENT_NAMES.map((event) => {
    const fields: readonly string[] = SERVER_EVENT_FIELDS[event]
    const properties = Object.fromEntries(
      fields.map((field) => {
        const values = EVENT_FIELD_VALUES[event]?.[field] ?? FIELD_VALUES[field]
        return [field, values ? { anyOf: [{ enum: [...values] }, { type: 'string', pattern: TEMPLATED }] } : ref('text')]
      }),
    )
    return { if: { properties: { event: { const: event } } }, then: { properties: { where: { type: 'object', additionalProperties: false, properties } } } }
  })
}

export const eventBody = (extra: JsonSchema = {}): JsonSchema =>
  stepMap({ event: { enum: [...SERVER_EVENT_NAMES] }, where: { type: 'object' }, ...extra }, ['event'], { allOf: eventSteps() })

/** The expected failure of a get: an error code, or `killed`. */
export const getError: JsonSchema = { anyOf: [ref('errorCode'), { const: KILLED }] }
export const disconnectHow: JsonSchema = { enum: [...DISCONNECT_HOWS] }

