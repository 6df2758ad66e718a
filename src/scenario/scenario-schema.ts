import { SERVER_OPTION_SPECS } from '../config/server-options.js'
import { CLIENT_PROTOCOLS, TARGET_KINDS, VISIBILITIES } from './scenario.js'
import { DEFINITIONS, numberOr, ref, STEP_OPTION_SCHEMAS, type JsonSchema } from './steps/step-schema.js'
import { STEP_KINDS, STEP_KIND_NAMES } from './steps/step-kinds.js'

const SERVER_SETTINGS = Object.fromEntries(
  Object.entries(SERVER_OPTION_SPECS)
    .filter(([key]) => !['host', 'port', 'files', 'logFormat', 'healthSocket'].includes(key))
    .map(([key, spec]) => [key, { ...(spec.type === 'number' ? numberOr({ type: 'number' }) : { type: 'string' }), description: spec.describe }]),
)

/**
 * The JSON Schema of a scenario file, for editors (completion and checks as one types; see docs/scenarios.md).
 * It is built from the same tables the parser checks against: the step kinds, the events and their fields,
 * the error codes and the server's options. The parser remains the judge: it also checks what a schema
 * cannot (references, captures declared above, counts that add up).
 */
export function scenarioSchema(): JsonSchema {
  const stepVariants = STEP_KIND_NAMES.map((kind) => ({
    type: 'object',
    required: [kind],
    additionalProperties: false,
    properties: { [kind]: STEP_KINDS[kind].schema, ...STEP_OPTION_SCHEMAS },
  }))
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'socklab scenario',
    description: 'A multi-client scenario for socklab (docs/scenarios.md)',
    type: 'object',
    additionalProperties: false,
    required: ['clients', 'steps'],
    properties: {
      name: { type: 'string' },
      description: { type: 'string' },
      tags: { type: 'array', items: { type: 'string', pattern: '^[a-z0-9][a-z0-9_.-]*$' } },
      points: numberOr({ type: 'number', minimum: 0 }),
      visibility: { enum: [...VISIBILITIES], description: 'hidden: graded, but student-facing reports show only its name and whether it passed; after_due_date, after_published: its details shown then (Gradescope)' },
      vars: { type: 'object', propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }, additionalProperties: { type: ['string', 'number', 'boolean', 'null'] } },
      targets: { type: 'array', items: { enum: [...TARGET_KINDS] } },
      topology: {
        description: 'lay the lab out as rooms on the docker target (docs/topology.md): a shipped topology (seed-lab), a topology file relative to the scenario, or one written here',
        oneOf: [
          { type: 'string' },
          {
            type: 'object',
            additionalProperties: false,
            required: ['networks'],
            properties: {
              name: { type: 'string' },
              description: { type: 'string' },
              router: { enum: ['forward', 'none'], description: 'forward (default): a router container joins every subnet, without NAT; none: the subnets cannot reach one another' },
              networks: {
                type: 'object',
                minProperties: 1,
                propertyNames: { pattern: '^[a-z][a-z0-9-]{0,23}$' },
                additionalProperties: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['subnet'],
                  properties: {
                    subnet: { type: 'string', description: 'an IPv4 subnet in CIDR form, /16 to /28, e.g. 10.0.0.0/24' },
                    server: { type: 'string', description: "the server's address, on exactly one network" },
                    clients: { oneOf: [{ const: 'rest' }, { type: 'array', items: { oneOf: [{ type: 'string' }, { type: 'integer', minimum: 1 }] } }] },
                  },
                },
              },
            },
          },
        ],
      },
      server: {
        type: 'object',
        additionalProperties: false,
        properties: {
          ...SERVER_SETTINGS,
          spec: { type: 'string', description: 'the server under test when the run names none with --server: socklab, original, or a server spec file relative to this file (docs/servers.md)' },
          files: {
            type: 'array',
            items: {
              type: 'object',
              required: ['name'],
              additionalProperties: false,
              properties: { name: { type: 'string' }, size: { type: ['string', 'number'] }, text: { type: 'string' }, link: { type: 'string' } },
            },
          },
        },
      },
      clients: {
        anyOf: [
          { type: 'array', items: ref('client'), minItems: 1 },
          {
            type: 'object',
            minProperties: 1,
            propertyNames: ref('client'),
            additionalProperties: {
              type: ['object', 'null'],
              additionalProperties: false,
              properties: {
                mode: { enum: ['auto', 'framed', 'compat'], description: "socklab's protocol only: framed, compatible, or whichever the server offers" },
                protocol: { enum: [...CLIENT_PROTOCOLS], description: "socklab (default): the assignment's commands and files; text: lines; bytes: bytes as they are (any TCP service)" },
                eol: { enum: ['lf', 'crlf'], description: 'text clients: the line end put after each text sent' },
                rejected_when: { type: 'string', description: 'text and byte clients: a regex for what the server says as it turns a client away' },
                maxReceive: { type: ['string', 'integer'], description: 'text and byte clients: the most bytes kept unread (64MiB)' },
                retry: numberOr({ type: 'integer', minimum: 0 }),
                count: numberOr({ type: 'integer', minimum: 1 }),
                replyTimeout: ref('duration'),
                link: { type: 'object', description: 'link conditions from its first connection: latency, jitter, bandwidth, slicer, slow_close, blackhole, limit_data, up, down' },
              },
            },
          },
        ],
      },
      steps: { ...ref('steps'), minItems: 1 },
    },
    definitions: { ...DEFINITIONS, step: { oneOf: stepVariants } },
  }
}
