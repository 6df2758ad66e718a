import { stringify } from 'yaml'
import { compileSchedule, freshClients, type Compiled, type ServerModel } from './chaos-model.js'
import type { ChaosSchedule } from './chaos-schedule.js'

/** A schedule as the plain scenario file it runs as: what a shrunk failure is written out as, to run on its own. */
export function scheduleScenario(schedule: ChaosSchedule, server: ServerModel, title: string): { yaml: string; compiled: Compiled } {
  const compiled = compileSchedule(schedule, server)
  const document = {
    description: `${title} (seed ${schedule.seed}: ${schedule.ops.length} operations of ${schedule.clients.length} clients; the model's expectations as steps)`,
    tags: ['chaos'],
    server: {
      ...(server.socklab ? { maxClients: schedule.maxClients } : {}),
      files: schedule.files.map((f) => ({ name: f.name, size: f.size })),
    },
    clients: [...schedule.clients, ...(schedule.final === false ? [] : freshClients(schedule.maxClients))],
  }
  const steps = compiled.steps.map(({ step }) => Object.entries(step).map(([key, value], i) => `${i === 0 ? '  - ' : '    '}${key}: ${flow(value)}`).join('\n'))
  return { yaml: `${stringify(document, { lineWidth: 0 })}steps:\n${steps.join('\n')}\n`, compiled }
}

/** A step's body on one line, as scenario files write steps. */
const flow = (value: unknown): string => stringify(value, { collectionStyle: 'flow', lineWidth: 0, flowCollectionPadding: true }).trim()
