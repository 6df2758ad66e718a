#!/usr/bin/env node
// `npm run flake-check [-- --runs N] [-- --project containers]`: runs a test project N times (default 20,
// the container suite) and reports, per test, how many runs it failed in. Exit 1 if any test flaked.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : fallback
}
const runs = Number(option('runs', '20'))
const project = option('project', 'containers')
const scratch = mkdtempSync(join(tmpdir(), 'socklab-flake-'))
const failures = new Map()
const durations = []
let totalTests = 0

for (let run = 1; run <= runs; run += 1) {
  const output = join(scratch, `run-${run}.json`)
  const started = Date.now()
  const result = spawnSync('npx', ['vitest', 'run', '--project', project, '--reporter=json', `--outputFile=${output}`], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, CI: process.env.CI ?? 'true' },
  })
  durations.push((Date.now() - started) / 1000)
  let report
  try {
    report = JSON.parse(readFileSync(output, 'utf8'))
  } catch {
    failures.set('(the run itself)', (failures.get('(the run itself)') ?? 0) + 1)
    console.log(`run ${run}/${runs}: no report (exit ${result.status})`)
    continue
  }
  const failed = report.testResults.flatMap((file) =>
    file.assertionResults.filter((t) => t.status === 'failed').map((t) => `${file.name.replace(process.cwd() + '/', '')} > ${t.fullName}`),
  )
  totalTests = report.numTotalTests
  for (const name of failed) failures.set(name, (failures.get(name) ?? 0) + 1)
  console.log(`run ${run}/${runs}: ${report.numPassedTests}/${report.numTotalTests} passed in ${durations.at(-1).toFixed(0)} s${failed.length ? ` — failed: ${failed.join('; ')}` : ''}`)
  // Why each failure happened, for the one run in twenty that needs explaining.
  for (const file of report.testResults) {
    for (const test of file.assertionResults.filter((t) => t.status === 'failed')) {
      const message = (test.failureMessages ?? []).join('\n').split('\n').slice(0, 40).join('\n    ')
      console.log(`    ${test.fullName}:\n    ${message}`)
    }
  }
}
rmSync(scratch, { recursive: true, force: true })

console.log(`\n${project}: ${runs} runs of ${totalTests} tests, ${durations.reduce((a, b) => a + b, 0).toFixed(0)} s in all`)
if (failures.size === 0) console.log('no test failed in any run: zero flakes')
else for (const [name, count] of [...failures].sort((a, b) => b[1] - a[1])) console.log(`  ${count}/${runs} failed: ${name}`)
process.exit(failures.size === 0 ? 0 : 1)
