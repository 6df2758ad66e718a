import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { DockerTarget, loadScenarios, LocalTarget, runScenario, type ScenarioTarget } from '../../src/index.js'
import { round } from '../lib/stats.js'
import type { BenchOptions, FigureGroup } from '../lib/figure.js'

/**
 * Wall time of all shipped scenarios on the docker target with the image built (baseline: the same on the
 * local target), and the cold image build (a fresh base image and a build without cache; baseline: warm).
 */
export async function scenarioWallTime(options: BenchOptions): Promise<FigureGroup[]> {
  if (!options.docker) return [{ id: 'scenarios', title: 'scenario wall time and image build', figures: [], skipped: 'no Docker engine answers' }]
  const scenarios = await loadScenarios(join(options.root, 'scenarios'))
  const wall = async (target: ScenarioTarget): Promise<number> => {
    const started = performance.now()
    for (const scenario of scenarios) {
      const result = await runScenario(scenario, target, { shippedFiles: join(options.root, 'server_files') })
      if (result.verdict === 'failed') throw new Error(`scenario ${scenario.name} failed on ${target.name} during the benchmark`)
    }
    await target.settle?.()
    return (performance.now() - started) / 1000
  }
  options.log(`scenarios: ${scenarios.length} on docker`)
  const docker = await wall(await DockerTarget.connect(options.image))
  options.log(`scenarios: ${scenarios.length} on local`)
  const local = await wall(new LocalTarget(options.entry))
  options.log('image build: cold and warm')
  const cold = timedBuild(options, true)
  const warm = timedBuild(options, false)
  return [
    {
      id: 'scenarios',
      title: 'scenario wall time and image build',
      figures: [
        {
          id: 'scenarios.docker-wall',
          name: `all ${scenarios.length} shipped scenarios on the docker target, image built`,
          unit: 's',
          value: round(docker, 1),
          baseline: { name: 'the same scenarios on the local target', value: round(local, 1) },
          ratio: round(docker / local, 2),
          ratioMeaning: 'docker / local',
          goal: '≤ 30 s on 2 cores',
          met: docker <= 30,
        },
        {
          id: 'scenarios.image-build-cold',
          name: 'cold image build (fresh Node base image, no build cache)',
          unit: 's',
          value: round(cold, 1),
          baseline: { name: 'warm build, nothing changed', value: round(warm, 1) },
          ratio: round(cold / warm, 1),
        },
      ],
    },
  ]
}

/** Builds a throw-away tag the way `socklab images` does offline; cold also makes a fresh base image first. */
function timedBuild(options: BenchOptions, cold: boolean): number {
  const tag = 'socklab-bench:build'
  if (cold) spawnSync('docker', ['rmi', '-f', `socklab/node-base:${process.versions.node}`], { stdio: 'ignore' })
  const started = performance.now()
  const build = spawnSync(process.execPath, [options.entry, 'images', '--image', tag, '--from', 'prebuilt', '--offline', 'true'], { encoding: 'utf8' })
  const seconds = (performance.now() - started) / 1000
  if (build.status !== 0) throw new Error(`image build failed: ${build.stdout}${build.stderr}`)
  if (cold) spawnSync('docker', ['rmi', '-f', tag], { stdio: 'ignore' })
  return seconds
}
