import { spawnSync } from 'node:child_process'
import { round } from '../lib/stats.js'
import type { BenchOptions, FigureGroup } from '../lib/figure.js'

const inspect = (image: string): { size: number; layers: string[] } | undefined => {
  const run = spawnSync('docker', ['image', 'inspect', image, '--format', '{{.Size}} {{json .RootFS.Layers}}'], { encoding: 'utf8' })
  if (run.status !== 0) return undefined
  const [size, layers] = run.stdout.trim().split(' ', 2)
  return { size: Number(size), layers: JSON.parse(layers!) as string[] }
}

/** The size of the socklab image's own layers on top of whichever Node base image it was built on. */
export async function imageSize(options: BenchOptions): Promise<FigureGroup[]> {
  if (!options.docker) return [{ id: 'image', title: 'socklab image size', figures: [], skipped: 'no Docker engine answers' }]
  const image = inspect(options.image)
  const candidates = [`socklab/node-base:${process.versions.node}`, 'node:22-slim']
  const base = candidates
    .map((name) => ({ name, info: inspect(name) }))
    .find(({ info }) => info && image && info.layers.every((layer, i) => image.layers[i] === layer))
  if (!image || !base?.info) return [{ id: 'image', title: 'socklab image size', figures: [], skipped: `${options.image} or its base image is not present` }]
  const own = (image.size - base.info.size) / 1e6
  return [
    {
      id: 'image',
      title: 'socklab image size',
      figures: [
        {
          id: 'image.own-layers',
          name: `socklab's own layers in ${options.image}`,
          unit: 'MB',
          value: round(own, 2),
          baseline: { name: `the Node base image ${base.name}`, value: round(base.info.size / 1e6, 1) },
          ratio: round(own / (base.info.size / 1e6), 3),
          ratioMeaning: 'own layers / base',
          goal: '≤ 5 MB',
          met: own <= 5,
        },
      ],
    },
  ]
}
