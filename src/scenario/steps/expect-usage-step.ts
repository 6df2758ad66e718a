import type { StepBase } from '../scenario.js'
import { formatSize, parseSize } from '../../values/byte-size.js'
import type { ProcessUsage } from '../../process/process-usage.js'
import { StepFailed, StepSkipped, type StepContext } from './step-context.js'
import { stepMap } from './step-schema.js'
import { STEP_OPTIONS, type StepKind } from './step-kind.js'

export interface ExpectUsageStep extends StepBase {
  kind: 'expect_usage'
  /** Records the server's usage now, for the steps after it to compare with. */
  baseline: boolean
  /** At most this many more open descriptors than at the baseline. */
  descriptors?: number
  /** At most this many more bytes of resident memory than at the baseline. */
  memory?: number
}

/** Where a scenario's baseline is kept between its steps. */
const BASELINE = new WeakMap<StepContext, ProcessUsage>()

/**
 * `expect_usage: baseline` records the server's open descriptors and resident memory; `expect_usage: {
 * descriptors: 4, memory: 64MiB }` checks that it holds at most that much more now (a leak of a
 * descriptor per client, memory that never comes back). Skipped where the target cannot read the server's
 * process (a remote server).
 */
export const expectUsageStep: StepKind<ExpectUsageStep> = {
  kind: 'expect_usage',
  schema: { anyOf: [{ const: 'baseline' }, stepMap({ descriptors: { type: 'integer', minimum: 0 }, memory: { type: ['string', 'number'] } }, [])] },
  parse(body, { base }) {
    if (!body.isMap()) {
      if (body.scalar() !== 'baseline') body.fail('`baseline`, or a map of `descriptors` and `memory`: how much more than the baseline')
      return [{ ...base, kind: 'expect_usage', baseline: true }]
    }
    const e = body.entries(['descriptors', 'memory', ...STEP_OPTIONS])
    const descriptorsCursor = e.get('descriptors')
    const descriptors = descriptorsCursor?.number()
    if (descriptors !== undefined && (!Number.isInteger(descriptors) || descriptors < 0)) descriptorsCursor!.fail('a whole number, 0 or more')
    const memoryCursor = e.get('memory')
    const memory = memoryCursor ? parseSize(memoryCursor.scalar() as string | number) : undefined
    if (memoryCursor && memory === undefined) memoryCursor.fail('a size such as 64MiB or a number of bytes')
    if (descriptors === undefined && memory === undefined) body.fail('`descriptors`, `memory` or both')
    return [{ ...base, kind: 'expect_usage', baseline: false, descriptors, memory }]
  },
  checks: (step) => !step.baseline,
  label: (step) =>
    step.baseline
      ? "record the server's usage"
      : `expect the server's usage within ${[step.descriptors !== undefined ? `+${step.descriptors} descriptors` : '', step.memory !== undefined ? `+${formatSize(step.memory)}` : ''].filter(Boolean).join(', ')}`,
  async run(step, ctx) {
    const now = await ctx.run.serverUsage?.()
    if (!now) throw new StepSkipped("the server's process cannot be read on this target")
    const shown = `${now.descriptors} descriptors, ${formatSize(now.rssBytes)} resident`
    if (step.baseline) {
      BASELINE.set(ctx, now)
      return shown
    }
    const baseline = BASELINE.get(ctx)
    if (!baseline) throw new StepFailed('no baseline: an `expect_usage: baseline` step must come first')
    const over: string[] = []
    if (step.descriptors !== undefined && now.descriptors > baseline.descriptors + step.descriptors) over.push(`${now.descriptors - baseline.descriptors} more descriptors`)
    if (step.memory !== undefined && now.rssBytes > baseline.rssBytes + step.memory) over.push(`${formatSize(now.rssBytes - baseline.rssBytes)} more memory`)
    const was = `${baseline.descriptors} descriptors, ${formatSize(baseline.rssBytes)} resident`
    if (over.length > 0) throw new StepFailed(`the server holds ${over.join(' and ')} than at the baseline`, `at most ${[step.descriptors !== undefined ? `${baseline.descriptors + step.descriptors} descriptors` : '', step.memory !== undefined ? formatSize(baseline.rssBytes + step.memory) : ''].filter(Boolean).join(', ')} (baseline: ${was})`, shown)
    return `${shown} (baseline: ${was})`
  },
}

declare module './step.js' {
  interface StepTypes {
    expect_usage: ExpectUsageStep
  }
}
