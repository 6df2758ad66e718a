/**
 * Every kind's step type, by kind: each kind's file adds its own here, so that `Step` is the union of every
 * registered kind while this file imports none of them (the kinds import it, never the other way):
 *
 *   declare module './step.js' { interface StepTypes { send: SendStep } }
 *
 * step-kinds.ts then needs a StepKind for every key, so a kind registered here but not there does not compile.
 */
export interface StepTypes {}

/** A step of any kind; each kind is one module in steps/ (its type, parse, label and run). */
export type Step = StepTypes[keyof StepTypes]
