import type { StepBase } from '../scenario.js'
import { groupLabel } from './client-group.js'
import type { GroupTarget } from './step-kind.js'
import { capture, parseCaptures } from './send-step.js'
import { ref, stepMap } from './step-schema.js'
import { STEP_OPTIONS, type StepKind } from './step-kind.js'
import { describeWireMatch, WIRE_EXPECT_SCHEMA, type WireMatch } from './wire-expect.js'
import { parseExpect, protocolOf, readGroup, readShown } from './wire-send.js'

export interface ReceiveOne extends StepBase {
  kind: 'receive'
  client: string
  expect: WireMatch
  capture?: Record<string, string>
}

export interface ReceiveGroup extends StepBase, GroupTarget {
  kind: 'receive'
  expect: WireMatch
}

export type ReceiveStep = ReceiveOne | ReceiveGroup

/**
 * `receive: { client: b, expect: { regex: "alice: hi" } }`: waits for bytes the server pushed to a text or
 * byte client without being asked (a chat's broadcast, a notice), as `send`'s `expect` waits for an answer.
 * `receive: { group: room, expect: … }`: every connected member must get it.
 */
export const receiveStep: StepKind<ReceiveStep> = {
  kind: 'receive',
  schema: {
    anyOf: [
      stepMap({ client: ref('client'), expect: WIRE_EXPECT_SCHEMA, capture: { type: 'object', additionalProperties: { type: 'string' } } }, ['client', 'expect']),
      stepMap({ group: ref('group'), expect: WIRE_EXPECT_SCHEMA }, ['group', 'expect']),
    ],
  },
  parse(body, scope) {
    const e = body.entries(['client', 'group', 'expect', 'capture', ...STEP_OPTIONS])
    const groupCursor = e.get('group')
    const target = groupCursor ? scope.group(groupCursor) : undefined
    if (target && e.has('client')) e.get('client')!.fail('a `client` or a `group`, not both')
    const name = target ? target.members[0]! : scope.client(e.get('client') ?? body.fail('a `client` or a `group`'))
    if (protocolOf(scope, name) === 'socklab') (groupCursor ?? e.get('client')!).fail(`a text or byte client (protocol: text | bytes): ${name} speaks socklab's protocol, whose replies come to its commands (\`send\`)`)
    const expect = parseExpect(e.get('expect') ?? body.fail('an `expect`: what must come'), scope, name)!
    if (target) {
      if (e.has('capture')) e.get('capture')!.fail('no `capture` beside `group`')
      return [{ ...scope.base, kind: 'receive', ...target, expect }]
    }
    const step: ReceiveOne = { ...scope.base, kind: 'receive', client: name, expect }
    if (e.has('capture')) step.capture = parseCaptures(e.get('capture')!, scope.refs)
    return [step]
  },
  checks: () => true,
  label: (step) => `receive ${'group' in step ? groupLabel(step) : step.client}: ${describeWireMatch(step.expect)}`,
  async run(step, ctx, { signal }) {
    if ('group' in step) return readGroup(ctx, step.group, step.members.filter((m) => ctx.agents.has(m)), step.expect, signal, step.timeoutMs)
    const got = await readShown(ctx, step.client, step.expect, signal, step.timeoutMs)
    if (step.capture) return capture(step.capture, got.text, ctx)
  },
}

declare module './step.js' {
  interface StepTypes {
    receive: ReceiveStep
  }
}
