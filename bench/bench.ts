import { spawnSync } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BenchOptions, FigureGroup } from './lib/figure.js'
import { markdownTable } from './lib/markdown-table.js'
import { captureOverhead } from './figures/capture-overhead.js'
import { chaosRate } from './figures/chaos-rate.js'
import { echoLatency } from './figures/echo-latency.js'
import { imageSize } from './figures/image-size.js'
import { linkRelay } from './figures/link-relay.js'
import { overflowStorm } from './figures/overflow-storm.js'
import { redisTextClient } from './figures/redis-text-client.js'
import { scenarioWallTime } from './figures/scenario-wall-time.js'
import { serverMemory } from './figures/server-memory.js'
import { transferThroughput } from './figures/transfer-throughput.js'

const FIGURES: Record<string, { title: string; run(options: BenchOptions): Promise<FigureGroup[]> }> = {
  throughput: { title: 'get throughput, loopback and Docker bridge', run: transferThroughput },
  memory: { title: 'server peak RSS during large downloads', run: serverMemory },
  echo: { title: 'echo round trip p50/p99', run: echoLatency },
  storm: { title: 'overflow storm', run: overflowStorm },
  scenarios: { title: 'shipped scenarios on the docker target, and cold image build', run: scenarioWallTime },
  image: { title: 'socklab image layers over the Node base', run: imageSize },
  relay: { title: 'socklab relay: cost and accuracy of link conditions', run: linkRelay },
  redis: { title: 'text client against redis-server, against redis-benchmark', run: redisTextClient },
  capture: { title: 'packet capture of the failure bundle, on scenario wall time', run: captureOverhead },
  chaos: { title: 'seeded chaos operations per second, with faults and without', run: chaosRate },
}

const USAGE = `npm run bench [-- [--quick] [--only ${Object.keys(FIGURES).join(',')}]]

  --quick   fewer repetitions and smaller files (about a minute)
  --only    run only these figures (comma-separated)
Prints a Markdown table and writes the same figures to bench/results/latest.json.`

const root = fileURLToPath(new URL('../..', import.meta.url))
const args = process.argv.slice(2)
if (args.includes('--help')) {
  console.log(USAGE)
  process.exit(0)
}
const onlyIndex = args.indexOf('--only')
const only = onlyIndex >= 0 ? (args[onlyIndex + 1] ?? '').split(',').filter(Boolean) : Object.keys(FIGURES)
const unknown = only.filter((name) => !(name in FIGURES))
if (unknown.length > 0) {
  console.error(`unknown figure ${unknown.join(', ')}\n\n${USAGE}`)
  process.exit(1)
}
const has = (command: string, ...probe: string[]) => spawnSync(command, probe, { stdio: 'ignore', timeout: 10_000 }).status === 0
const options: BenchOptions = {
  quick: args.includes('--quick'),
  root,
  entry: join(root, 'bin/socklab.js'),
  image: process.env.SOCKLAB_IMAGE ?? 'socklab:latest',
  docker: has('docker', 'version', '--format', '{{.Server.Version}}'),
  python: has('python3', '--version'),
  iperf3: has('iperf3', '--version'),
  scratch: join(root, 'bench/.scratch'),
  log: (message) => process.stderr.write(`[bench] ${message}\n`),
}
await mkdir(options.scratch, { recursive: true })
if (!options.docker) options.log('no Docker engine answers: the Docker figures are skipped')
else if (!has('docker', 'image', 'inspect', options.image)) {
  options.log(`building ${options.image} (socklab images)`)
  if (spawnSync(process.execPath, [options.entry, 'images', '--image', options.image], { stdio: 'inherit' }).status !== 0) process.exit(1)
}

const started = Date.now()
const groups: FigureGroup[] = []
for (const name of only) {
  options.log(`${name}: ${FIGURES[name]!.title}`)
  groups.push(...(await FIGURES[name]!.run(options)))
}
// With --only, the other figures of the previous run are kept: only the groups measured now are replaced.
const path = join(root, 'bench/results/latest.json')
const previous = only.length < Object.keys(FIGURES).length ? await readPrevious(path) : []
const measured = new Set(groups.map((g) => g.id))
const now = new Date().toISOString()
for (const group of groups) group.measuredAt = now
const result = {
  date: now,
  quick: options.quick,
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 1e9), node: process.version },
  tools: { docker: options.docker, python3: options.python, iperf3: options.iperf3 },
  wallSeconds: Math.round((Date.now() - started) / 1000),
  groups: [...previous.filter((g) => !measured.has(g.id)), ...groups],
}
await mkdir(join(root, 'bench/results'), { recursive: true })
await writeFile(path, `${JSON.stringify(result, null, 2)}\n`)
console.log(markdownTable(groups))
console.log(`\n${result.machine.cpus} cores, ${result.machine.cpu}, Node ${process.version}; ${result.wallSeconds} s. Written: bench/results/latest.json`)

async function readPrevious(path: string): Promise<FigureGroup[]> {
  try {
    return (JSON.parse(await readFile(path, 'utf8')) as { groups: FigureGroup[] }).groups
  } catch {
    return []
  }
}
