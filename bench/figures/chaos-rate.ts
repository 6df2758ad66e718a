import { join } from 'node:path'
import { LocalTarget } from '../../src/index.js'
import { runSchedule, serverModel } from '../../src/chaos/chaos-run.js'
import { drawSchedule, FAULT_KINDS } from '../../src/chaos/chaos-schedule.js'
import { round, summarize } from '../lib/stats.js'
import type { BenchOptions, FigureGroup } from '../lib/figure.js'

/**
 * Operations per second a chaos run sustains against socklab's server on the local target, every fault
 * drawn from, against the same seeds drawn with no fault (clients connecting, echoing, listing and
 * getting only): what the faults and their checks cost.
 */
export async function chaosRate(options: BenchOptions): Promise<FigureGroup[]> {
  const seeds = options.quick ? [100, 101] : [100, 101, 102, 103, 104]
  const durationMs = options.quick ? 10_000 : 30_000
  const shippedFiles = join(options.root, 'server_files')
  const model = await serverModel(undefined, shippedFiles)
  const target = new LocalTarget(options.entry)
  const rate = async (seed: number, faults: readonly (typeof FAULT_KINDS)[number][]): Promise<number> => {
    const schedule = drawSchedule({ seed, durationMs, clients: 5, faults: [...faults], maxClients: 3 })
    const started = performance.now()
    const outcome = await runSchedule(schedule, model, { target, shippedFiles, signal: new AbortController().signal })
    if (outcome.violation) throw new Error(`seed ${seed} found a violation in socklab's server during the benchmark: ${outcome.violation.reason}`)
    return schedule.ops.length / ((performance.now() - started) / 1000)
  }
  const withFaults: number[] = []
  const without: number[] = []
  for (const seed of seeds) {
    options.log(`chaos: seed ${seed}, ${durationMs / 1000} s, every fault and none`)
    withFaults.push(await rate(seed, FAULT_KINDS))
    without.push(await rate(seed, []))
  }
  const [a, b] = [summarize(withFaults), summarize(without)]
  return [
    {
      id: 'chaos',
      title: 'seeded chaos against socklab’s server, local target',
      figures: [
        {
          id: 'chaos.ops-per-second',
          name: `operations per second, ${seeds.length} seeds of ${durationMs / 1000} s, every fault`,
          unit: 'ops/s',
          value: round(a.median, 1),
          spread: round(a.spread, 2),
          baseline: { name: 'the same seeds with no fault', value: round(b.median, 1) },
          ratio: round(a.median / b.median, 2),
          ratioMeaning: 'with faults / without',
        },
      ],
    },
  ]
}
