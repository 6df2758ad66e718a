#!/usr/bin/env node
// `npm run flake-check:scenarios [-- --runs 30] [-- --load 2] [-- --target docker]`: runs the shipped
// scenarios N times (default 30) on a target while `--load` busy processes keep the CPU loaded (as on a
// shared CI machine), and reports, per scenario, how many runs it failed in. Exit 1 if any scenario failed.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : fallback
}
const runs = Number(option('runs', '30'))
const load = Number(option('load', '2'))
const target = option('target', 'docker')
const scratch = mkdtempSync(join(tmpdir(), 'socklab-flake-'))
const busy = Array.from({ length: load }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }))
const stopLoad = () => busy.forEach((child) => child.kill('SIGKILL'))
process.on('exit', stopLoad)
process.on('SIGINT', () => process.exit(130))

const failures = new Map()
const durations = []
const scenarios = new Set()
const skipped = new Set()
for (let run = 1; run <= runs; run += 1) {
  const report = join(scratch, `run-${run}.xml`)
  const started = Date.now()
  const result = spawnSync(process.execPath, ['bin/socklab.js', 'scenario', 'run', '--all', '--target', target, '--report', `junit=${report}`, '--logs-dir', join(scratch, `logs-${run}`)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  })
  durations.push((Date.now() - started) / 1000)
  let xml
  try {
    xml = readFileSync(report, 'utf8')
  } catch {
    failures.set('(the run itself)', (failures.get('(the run itself)') ?? 0) + 1)
    console.log(`run ${run}/${runs}: no report (exit ${result.status})`)
    continue
  }
  const failed = []
  for (const [, name, body] of xml.matchAll(/<testcase\b[^>]*?\bname="([^"]*)"[^>]*?(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    scenarios.add(name)
    if (body && /<skipped\b/.test(body)) skipped.add(name)
    if (body && /<(failure|error)\b/.test(body)) {
      failed.push(name)
      failures.set(name, (failures.get(name) ?? 0) + 1)
      const why = body.match(/message="([^"]*)"/)?.[1] ?? ''
      console.log(`    ${name}: ${why}`)
    }
  }
  console.log(`run ${run}/${runs}: ${scenarios.size - failed.length}/${scenarios.size} passed in ${durations.at(-1).toFixed(0)} s (exit ${result.status})`)
}
rmSync(scratch, { recursive: true, force: true })
stopLoad()

console.log(`\n${target}, ${load} busy processes: ${runs} runs of ${scenarios.size} scenarios, ${durations.reduce((a, b) => a + b, 0).toFixed(0)} s in all`)
console.log('| scenario | failed runs |\n|---|---|')
for (const name of [...scenarios].sort()) console.log(`| ${name} | ${skipped.has(name) ? 'skipped on this target' : `${failures.get(name) ?? 0}/${runs}`} |`)
if (failures.has('(the run itself)')) console.log(`| (no report) | ${failures.get('(the run itself)')}/${runs} |`)
process.exit(failures.size === 0 ? 0 : 1)
