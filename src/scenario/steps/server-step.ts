import { SERVER_ACTIONS, type ServerAction, type StepBase } from '../scenario.js'
import { say, StepSkipped } from './step-context.js'
import { stepMap } from './step-schema.js'
import { STEP_OPTIONS, type StepKind } from './step-kind.js'

export interface ServerStep extends StepBase {
  kind: 'server'
  action: ServerAction
}

const WIRE = { stop: 'stop (SIGTERM)', start: 'start', restart: 'restart (SIGTERM, then start)' } as const

/** `server: stop | start | restart` (or `server: { action: … }`): the target's own server, where it can. */
export const serverStep: StepKind<ServerStep> = {
  kind: 'server',
  setsStage: true,
  schema: { anyOf: [{ enum: [...SERVER_ACTIONS] }, stepMap({ action: { enum: [...SERVER_ACTIONS] } }, ['action'])] },
  parse: (body, { base }) => [
    { ...base, kind: 'server', action: (body.isMap() ? (body.entries(['action', ...STEP_OPTIONS]).get('action') ?? body.fail('an `action`')) : body).oneOf(SERVER_ACTIONS) },
  ],
  label: (step) => `server ${step.action}`,
  async run(step, ctx) {
    const control = ctx.run.serverControl
    if (!control) throw new StepSkipped("the target's server cannot be stopped or started from here")
    say(ctx, { from: 'server', to: 'server', text: WIRE[step.action] })
    if (step.action !== 'start') await control.stop()
    if (step.action !== 'stop') await control.start()
  },
}

declare module './step.js' {
  interface StepTypes {
    server: ServerStep
  }
}
