import { setTimeout as delay } from 'node:timers/promises'
import { localFileName } from '../../client/local-file-name.js'
import type { Reply } from '../../client/reply.js'
import { allSteps, KILLED, stepClients, type Step, type StepBase } from '../scenario.js'
import { checkedText, errorCode } from '../step-values.js'
import { fillTemplate } from '../template.js'
import { formatRate } from '../../relay/conditions/bandwidth.js'
import type { ClientAgent } from '../targets/scenario-target.js'
import { answer, describeOutput, describeReply, request } from './replies.js'
import { connected, PREVIOUS_EXIT_MS, say, StepFailed, StepSkipped, type StepContext, type StepRun } from './step-context.js'
import { getError, ref, stepMap } from './step-schema.js'
import { STEP_OPTIONS, type StepKind } from './step-kind.js'

export interface GetStep extends StepBase {
  kind: 'get'
  client: string
  file: string
  /** The refusal or failure expected: an error code, or `killed` (the client was killed mid-transfer). */
  error?: string
  /** Steps run while the transfer is held in flight: the client stops reading once the file starts. */
  during?: Step[]
}

/**
 * `get: { client: a, file: x }`: the file is saved, verified and equal to the server's copy; with `error:`,
 * it fails that way and leaves nothing under its name; with `during:`, steps run while it is in flight.
 */
export const getStep: StepKind<GetStep> = {
  kind: 'get',
  schema: stepMap({ client: ref('client'), file: ref('text'), error: getError, during: ref('steps') }, ['client', 'file']),
  parse(body, { base, client, parseSteps, refs }) {
    const e = body.entries(['client', 'file', 'error', 'during', ...STEP_OPTIONS])
    const clientCursor = e.get('client') ?? body.fail('a `client`')
    const name = client(clientCursor)
    if (refs.protocols.get(name) !== 'socklab') clientCursor.fail(`a client of socklab's protocol: ${name} is a ${refs.protocols.get(name)} client, and \`get\` is the assignment's file transfer (send its request with \`send\`, read the bytes with \`expect: { length: … }\`)`)
    const duringCursor = e.get('during')
    const during = duringCursor ? parseSteps(duringCursor) : undefined
    if (duringCursor && during!.length === 0) duringCursor.fail('at least one step')
    // While its get is held, the client itself can only be disconnected or have its network acted on.
    const misuse = during && allSteps(during).find((s) => stepClients(s).includes(name) && s.kind !== 'disconnect' && s.kind !== 'network')
    if (misuse) duringCursor!.fail(`steps that leave ${name} alone while its get is held, or disconnect it or act on its network (a ${misuse.kind} step uses it)`)
    return [
      {
        ...base,
        kind: 'get',
        client: name,
        file: checkedText(e.get('file') ?? body.fail('a `file`'), refs),
        error: e.get('error') ? errorCode(e.get('error')!, [KILLED]) : undefined,
        during,
      },
    ]
  },
  checks: () => true,
  label: (step) =>
    `get ${step.client}: ${step.file}${step.error ? ` (expect ${step.error})` : ''}${step.during ? `, held for ${step.during.length} step${step.during.length === 1 ? '' : 's'}` : ''}`,
  async run(declared, ctx, run) {
    // The file may be named by a capture or a counter: it is known from here on.
    const step = { ...declared, file: fillTemplate(declared.file, ctx) }
    if (step.during) return heldGet(step, ctx, run)
    const { agent, mode } = connected(ctx, step.client)
    skipUnservedFile(step, ctx)
    const earlier = await earlierCopy(step, agent)
    const started = performance.now()
    const reply = await request(ctx, step.client, agent, `get ${step.file}`, run.signal)
    const note = await judgeGet(step, reply, mode, agent, ctx, earlier)
    // The rate a person would measure: from the command to the verified file (over a slow link, its speed).
    return reply.kind === 'saved' && note ? `${note}, ${rateNote(reply.bytes, performance.now() - started)}` : note
  },
  childFailed: (reason) => `a step during the get failed: ${reason}`,
}

/**
 * A get with `during:` steps: the client stops reading once the file starts arriving, so the transfer is
 * surely in flight (the server waits on a full network) while those steps run; then it reads on.
 */
async function heldGet(step: GetStep, ctx: StepContext, { signal, children, runStep }: StepRun): Promise<string | void> {
  const { agent, mode } = connected(ctx, step.client)
  skipUnservedFile(step, ctx)
  if (mode !== 'framed') throw new StepFailed('a get with during: steps needs framed mode', 'framed', mode)
  const earlier = await earlierCopy(step, agent)
  const command = `get ${step.file}`
  agent.write({ command, hold: true })
  say(ctx, { from: step.client, to: 'server', text: command })
  const first = await agent.channel.next(signal)
  if (first.type !== 'held') {
    say(ctx, { from: 'server', to: step.client, text: describeOutput(first) })
    throw new StepFailed('the transfer ended before the steps during it could run', 'the file starts arriving', describeOutput(first))
  }
  say(ctx, { from: 'server', to: step.client, text: `file ${first.name} starts (${first.size ?? '?'} bytes); the client stops reading` })
  for (const child of step.during!) children.push(await runStep(child))
  if (agent.running) agent.write({ release: true })
  let reply: Reply | typeof KILLED
  try {
    reply = await answer(ctx, step.client, command, agent, signal)
  } catch (error) {
    // A client killed during the transfer ends without a word.
    await Promise.race([agent.exited, delay(PREVIOUS_EXIT_MS, undefined, { ref: false })])
    if (agent.running) throw error
    reply = KILLED
  }
  return judgeGet(step, reply, mode, agent, ctx, earlier)
}

/** Whether an earlier get of the client already saved the file (a failed get then leaves that copy be). */
async function earlierCopy(step: GetStep, agent: ClientAgent): Promise<boolean> {
  const name = step.error ? savedName(step.file) : undefined
  return name !== undefined && (await agent.hasDownload(name))
}

function savedName(requested: string): string | undefined {
  try {
    return localFileName(requested)
  } catch {
    return undefined
  }
}

function rateNote(bytes: number, ms: number): string {
  return `in ${(ms / 1000).toFixed(2)} s (${formatRate((bytes * 1000) / Math.max(ms, 1))})`
}

function skipUnservedFile(step: GetStep, ctx: StepContext): void {
  if (!ctx.run.files && ctx.scenario.server.files.some((f) => f.name === step.file)) {
    throw new StepSkipped('the scenario generates this file, and the target server does not have it')
  }
}

/** Checks a get's outcome against the step: the expected refusal or failure, or a verified copy. */
async function judgeGet(step: GetStep, reply: Reply | typeof KILLED, mode: 'framed' | 'compat' | 'raw', agent: ClientAgent, ctx: StepContext, earlier = false): Promise<string | void> {
  if (step.error) {
    const matched =
      reply === KILLED
        ? step.error === KILLED
        : (reply.kind === 'error' && reply.code === step.error) ||
          // Compatible mode has no codes: the original answers every refusal with its one text.
          (mode === 'compat' && reply.kind === 'text' && reply.text === 'File not found')
    if (!matched) throw new StepFailed(`get ${step.file} was not refused as expected`, step.error, reply === KILLED ? KILLED : describeReply(reply))
    // Whatever went wrong, nothing may be left under the final name (but a copy an earlier get saved,
    // which the client replaces only with a whole file). The name the client saves under; a request that
    // has none could not have left a file at all.
    const name = savedName(step.file)
    if (name !== undefined && !earlier && (await agent.hasDownload(name))) {
      throw new StepFailed(`a failed get left a file under its final name`, `no ${name} in the download folder`, `${name} is there`)
    }
    return reply !== KILLED && reply.kind === 'text' ? 'compatible mode: File not found' : `no ${name ?? step.file} in the download folder`
  }
  if (reply === KILLED) throw new StepFailed(`the client was killed during get ${step.file}`, 'saved', KILLED)
  if (reply.kind !== 'saved') throw new StepFailed(`get ${step.file} did not save the file`, 'saved', describeReply(reply))
  if (mode === 'framed' && !reply.verified) throw new StepFailed('the file was not verified', 'verified', 'unverified')
  if (!ctx.run.files) return 'verified against the server announcement only (remote server)'
  const expected = await ctx.run.files.sha256(step.file)
  if (reply.sha256 !== expected) throw new StepFailed(`${step.file} differs from the server's copy`, `sha256 ${expected}`, `sha256 ${reply.sha256}`)
  return `${reply.bytes} bytes, sha256 ${reply.sha256.slice(0, 12)}…`
}

declare module './step.js' {
  interface StepTypes {
    get: GetStep
  }
}
