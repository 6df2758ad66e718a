import type { Step } from '../scenario.js'
import { connectStep } from './connect-step.js'
import { disconnectStep } from './disconnect-step.js'
import { expectEventsStep } from './expect-events-step.js'
import { getStep } from './get-step.js'
import { linkStep } from './link-step.js'
import { networkStep } from './network-step.js'
import { parallelStep } from './parallel-step.js'
import { repeatStep } from './repeat-step.js'
import { sendStep } from './send-step.js'
import { sequenceStep } from './sequence-step.js'
import { serverStep } from './server-step.js'
import { sleepStep } from './sleep-step.js'
import type { StepKind } from './step-kind.js'
import { waitEventStep } from './wait-event-step.js'
import { receiveStep } from './receive-step.js'
import { expectClosedStep } from './expect-closed-step.js'
import { expectSilenceStep } from './expect-silence-step.js'
import { expectUsageStep } from './expect-usage-step.js'

/** Every kind of step, by name: the one place a new kind is registered. */
export const STEP_KINDS: { readonly [K in Step['kind']]: StepKind<Extract<Step, { kind: K }>> } = {
  connect: connectStep,
  send: sendStep,
  get: getStep,
  disconnect: disconnectStep,
  wait_event: waitEventStep,
  expect_events: expectEventsStep,
  parallel: parallelStep,
  server: serverStep,
  network: networkStep,
  sleep: sleepStep,
  repeat: repeatStep,
  sequence: sequenceStep,
  link: linkStep,
  receive: receiveStep,
  expect_closed: expectClosedStep,
  expect_silence: expectSilenceStep,
  expect_usage: expectUsageStep,
}

export const STEP_KIND_NAMES = Object.keys(STEP_KINDS) as Array<Step['kind']>

/** The kind of a step, typed for it. */
export const kindOf = <S extends Step>(step: S): StepKind<S> => STEP_KINDS[step.kind] as unknown as StepKind<S>
