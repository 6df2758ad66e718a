import type { Step, StepBase } from '../scenario.js'
import type { References } from '../step-values.js'
import type { JsonSchema } from './step-schema.js'
import type { YamlCursor } from '../../values/yaml-cursor.js'
import type { StepContext, StepRun } from './step-context.js'

/** A step's client group: its name, and its members (ordinary clients, `crowd-1` …). */
export interface GroupTarget {
  group: string
  members: string[]
}

/** Keys any step may have, beside its action or inside its map. */
export const STEP_OPTIONS = ['timeout', 'retry'] as const

/** What parsing a step's body may use: its line and timeout, what `${…}` may name, nested steps. */
export interface ParseScope {
  base: StepBase
  /** The clients, and the captures and counters declared so far (a capture adds its name). */
  refs: References
  /** Whether the step gave its own timeout (a group's default grows with its size). */
  timeoutGiven: boolean
  /** A client of the scenario, or a failure naming them. */
  client(cursor: YamlCursor): string
  /** A client group of the scenario and its members, or a failure naming the groups. */
  group(cursor: YamlCursor): GroupTarget
  /** Nested steps (`during`, `parallel`), parsed as top-level ones are. */
  parseSteps(cursor: YamlCursor): Step[]
}

/**
 * One kind of step, whole: the keys its body may hold, how it is parsed from YAML (one entry may make
 * several steps: `connect: [a, b]`), how it is shown in reports, and how it runs. Each kind lives in a
 * file of its own and is registered once in step-kinds.ts, in the manner of Toxiproxy's toxics.
 */
export interface StepKind<S extends Step> {
  readonly kind: S['kind']
  parse(body: YamlCursor, scope: ParseScope): S[]
  /** The body's JSON Schema (for editors; the parser remains the judge). */
  readonly schema: JsonSchema
  label(step: S): string
  /** Performs the step; returns an optional note, throws StepFailed or StepSkipped. */
  run(step: S, ctx: StepContext, run: StepRun): Promise<string | void>
  /**
   * Whether the step checks the server under test (a reply, a file, a log event, an admission), as opposed to
   * setting the stage (connecting, waiting, conditions). A scenario whose every check was skipped is
   * reported skipped, never passed. Default: not a check.
   */
  checks?(step: S): boolean
  /**
   * The step sets the conditions the scenario is about (a link's faults, a cut network, a restarted server):
   * when it is skipped, what follows does not test the scenario, which is reported skipped.
   */
  readonly setsStage?: boolean
  /** The reason a step gives when one of the steps run inside it failed (default: that step's reason). */
  childFailed?(reason: string): string
}
