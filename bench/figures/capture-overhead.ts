import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { DockerTarget, loadScenarios, LocalTarget, runScenario, type ScenarioTarget } from '../../src/index.js'
import type { CaptureMode } from '../../src/capture/packet-capture.js'
import { round, summarize } from '../lib/stats.js'
import type { BenchOptions, Figure, FigureGroup } from '../lib/figure.js'

/** Short shipped scenarios: the capture's start and stop weigh most on them. */
const SCENARIOS = ['echo', 'status', 'list', 'binary-get', 'four-client-overflow']

/**
 * The failure bundle's capture on a scenario's wall time: the same scenarios with `--capture always` (a
 * tcpdump started before the steps and its file kept) against `--capture never`, alternated, on the local
 * and docker targets.
 */
export async function captureOverhead(options: BenchOptions): Promise<FigureGroup[]> {
  const all = await loadScenarios(join(options.root, 'scenarios'))
  const scenarios = all.filter((s) => SCENARIOS.includes(s.name))
  const rounds = options.quick ? 2 : 5
  const logsDir = await mkdtemp(join(options.scratch, 'capture-'))
  const wall = async (target: ScenarioTarget, capture: CaptureMode): Promise<number> => {
    const started = performance.now()
    for (const scenario of scenarios) {
      const result = await runScenario(scenario, target, { shippedFiles: join(options.root, 'server_files'), logsDir, capture })
      if (result.verdict === 'failed') throw new Error(`scenario ${scenario.name} failed on ${target.name} during the benchmark`)
      if (capture === 'always' && !result.bundle?.capture) throw new Error(`no capture on ${target.name}: ${result.bundle?.captureNote}`)
    }
    await target.settle?.()
    return (performance.now() - started) / 1000
  }
  const measure = async (name: string, target: ScenarioTarget): Promise<Figure> => {
    await wall(target, 'always')
    const on: number[] = []
    const off: number[] = []
    for (let i = 0; i < rounds; i += 1) {
      off.push(await wall(target, 'never'))
      on.push(await wall(target, 'always'))
    }
    const [a, b] = [summarize(on), summarize(off)]
    return {
      id: `capture.${name}`,
      name: `${scenarios.length} short scenarios on the ${name} target, every one captured (--capture always)`,
      unit: 's',
      value: round(a.median, 2),
      spread: round(a.spread, 2),
      baseline: { name: 'the same, --capture never', value: round(b.median, 2) },
      ratio: round(a.median / b.median, 2),
      ratioMeaning: 'captured / not',
      goal: '≤ 1.25',
      met: a.median / b.median <= 1.25,
    }
  }
  try {
    options.log(`capture: ${scenarios.length} scenarios × ${rounds} rounds, local`)
    const figures = [await measure('local', new LocalTarget(options.entry))]
    if (options.docker) {
      options.log(`capture: ${scenarios.length} scenarios × ${rounds} rounds, docker`)
      figures.push(await measure('docker', await DockerTarget.connect(options.image)))
    }
    return [{ id: 'capture', title: 'packet capture of the failure bundle, on scenario wall time', figures }]
  } finally {
    await rm(logsDir, { recursive: true, force: true })
  }
}
