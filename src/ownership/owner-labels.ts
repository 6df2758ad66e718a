import { currentOwner, type Owner } from './owner.js'

/** Every container and network socklab makes carries these labels (and its kind and run). */
export const LABEL = {
  kind: 'dev.socklab.kind',
  run: 'dev.socklab.run',
  host: 'dev.socklab.owner.host',
  boot: 'dev.socklab.owner.boot',
  pid: 'dev.socklab.owner.pid',
  start: 'dev.socklab.owner.start',
} as const

/** What made it: a scenario run, the bench, the test suite, the compose demo. */
export type ResourceKind = 'scenario' | 'bench' | 'test' | 'demo'

export function ownerLabels(kind: ResourceKind, run: string, owner: Owner = currentOwner()): Record<string, string> {
  return {
    [LABEL.kind]: kind,
    [LABEL.run]: run,
    [LABEL.host]: owner.host,
    [LABEL.boot]: owner.boot,
    [LABEL.pid]: String(owner.pid),
    [LABEL.start]: owner.start,
  }
}

/** The owner recorded in labels; undefined for something socklab made without one (the compose demo). */
export function ownerFromLabels(labels: Record<string, string> | undefined): Owner | undefined {
  const pid = Number(labels?.[LABEL.pid])
  if (!labels || !Number.isInteger(pid) || pid <= 0) return undefined
  return { host: labels[LABEL.host] ?? '', boot: labels[LABEL.boot] ?? '', pid, start: labels[LABEL.start] ?? '' }
}

/** True for anything socklab made (any `dev.socklab.` label). */
export const isSocklabMade = (labels: Record<string, string> | null | undefined): boolean =>
  // The engine gives some networks no labels at all (null: a swarm's ingress and gateway bridge).
  labels != null && Object.keys(labels).some((key) => key.startsWith('dev.socklab.'))
