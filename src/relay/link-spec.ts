import { LineCounter, parseDocument } from 'yaml'
import { SocklabError } from '../errors/socklab-error.js'
import { duration } from '../values/duration.js'
import { YamlCursor } from '../values/yaml-cursor.js'
import { CONDITION_KINDS, CONDITION_NAMES, conditionKind, type Condition } from './conditions/condition-kinds.js'

/** A link's conditions, per direction: `down` is server → client, `up` is client → server. */
export interface LinkConditions {
  up: Condition[]
  down: Condition[]
}

export const NO_CONDITIONS: LinkConditions = { up: [], down: [] }

const DIRECTIONS = ['up', 'down'] as const
/** Keys of a link spec: the conditions (for both directions), `jitter` beside `latency`, and each direction. */
export const LINK_KEYS = [...CONDITION_NAMES, 'jitter', ...DIRECTIONS] as const

/**
 * A link spec, as written in scenarios, on `socklab relay --link` and on its control lines:
 * `{ latency: 100ms, jitter: 10ms, bandwidth: 1MB/s, down: { slicer: { size: 100, delay: 5ms } } }`.
 * Conditions at the top apply to each direction (a latency of 100 ms makes the round trip 200 ms longer);
 * under `up:` or `down:` to that one only, replacing a top-level one of the same kind.
 */
export function parseLink(cursor: YamlCursor, extraKeys: readonly string[] = []): LinkConditions {
  const e = cursor.entries([...LINK_KEYS, ...extraKeys])
  const both = conditionsOf(e)
  const out: LinkConditions = { up: [], down: [] }
  for (const direction of DIRECTIONS) {
    const own = e.get(direction)
    const mine = own ? conditionsOf(own.entries(LINK_KEYS.filter((k) => k !== 'up' && k !== 'down'))) : []
    const merged = [...both.filter((c) => !mine.some((m) => m.kind === c.kind)), ...mine]
    out[direction] = CONDITION_NAMES.flatMap((kind) => merged.filter((c) => c.kind === kind))
  }
  return out
}

function conditionsOf(e: Map<string, YamlCursor>): Condition[] {
  const conditions = CONDITION_NAMES.flatMap((kind) => {
    const value = e.get(kind)
    return value ? [CONDITION_KINDS[kind].parse(value) as Condition] : []
  })
  const jitter = e.get('jitter')
  if (jitter) {
    const latency = conditions.find((c) => c.kind === 'latency')
    if (!latency) return jitter.fail('`jitter` beside a `latency`')
    latency.jitterMs = duration(jitter)
    if (latency.jitterMs > latency.ms) jitter.fail(`a jitter no larger than the latency (${latency.ms} ms)`)
  }
  return conditions
}

/** A link spec given as text (YAML or JSON: `--link`, a control line), read as a scenario's would be. */
export function parseLinkText(text: string, where: string, extraKeys: readonly string[] = []): { link: LinkConditions; cursor: YamlCursor } {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true })
  if (doc.errors.length > 0) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `${where}: not valid YAML or JSON: ${doc.errors[0]!.message.split('\n')[0]}`)
  const cursor = new YamlCursor(doc.contents, '', { file: where, lines, vars: new Map() })
  return { link: parseLink(cursor, extraKeys), cursor }
}

/** The conditions as a link spec again, each direction on its own: what a control line's `set` takes. */
export function linkSpec(link: LinkConditions): { up: Record<string, unknown>; down: Record<string, unknown> } {
  const side = (conditions: Condition[]) => Object.assign({}, ...conditions.map((c) => conditionKind(c).spec(c))) as Record<string, unknown>
  return { up: side(link.up), down: side(link.down) }
}

/** `down: latency 100 ms, bandwidth 1 MB/s; up: latency 100 ms`, or `no conditions`. */
export function describeLink(link: LinkConditions): string {
  const side = (conditions: Condition[]) => conditions.map((c) => conditionKind(c).describe(c)).join(', ')
  const [up, down] = [side(link.up), side(link.down)]
  if (!up && !down) return 'no conditions'
  if (up === down) return `both ways: ${up}`
  return [down && `down: ${down}`, up && `up: ${up}`].filter(Boolean).join('; ')
}
