import { bandwidth, type Bandwidth } from './bandwidth.js'
import { blackhole, type Blackhole } from './blackhole.js'
import type { ConditionKind } from './condition-kind.js'
import { latency, type Latency } from './latency.js'
import { limitData, type LimitData } from './limit-data.js'
import { slicer, type Slicer } from './slicer.js'
import { slowClose, type SlowClose } from './slow-close.js'

/** A link condition of any kind; each kind is one module in conditions/. */
export type Condition = LimitData | Blackhole | Latency | Bandwidth | Slicer | SlowClose

/**
 * Every kind, by its key in a link spec, in the order they apply to bytes on their way: a limit counts
 * what arrives, a black hole drops it, then delay, pacing and slicing; a slow close only holds the end.
 */
export const CONDITION_KINDS: { readonly [K in Condition['kind']]: ConditionKind<Extract<Condition, { kind: K }>> } = {
  limit_data: limitData,
  blackhole,
  latency,
  bandwidth,
  slicer,
  slow_close: slowClose,
}

export const CONDITION_NAMES = Object.keys(CONDITION_KINDS) as Array<Condition['kind']>

export const conditionKind = <C extends Condition>(condition: C): ConditionKind<C> => CONDITION_KINDS[condition.kind] as unknown as ConditionKind<C>
