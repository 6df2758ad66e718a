import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import type { CommandModule } from 'yargs'
import { SocklabError } from '../errors/socklab-error.js'
import { grade, gradeLine, gradescopeResults, gradesCsv, SKIPPED_SCORING, studentReport, type Grade, type SkippedScoring } from '../grading/gradescope.js'
import { detailOf, detailOptions } from './scenario-command.js'
import { submissionSpec } from '../grading/submission.js'
import { ConsoleProgress } from '../scenario/reports/console-progress.js'
import { htmlReport } from '../scenario/reports/html-report.js'
import { junitReport } from '../scenario/reports/junit-report.js'
import { EXTENSION_TAG, isBroken } from '../scenario/scenario-catalog.js'
import type { Scenario } from '../scenario/scenario.js'
import { selectScenarios } from '../scenario/scenario-selection.js'
import { parseVarOptions } from '../scenario/scenario-vars.js'
import { runSuite } from '../scenario/suite-runner.js'
import { LocalTarget } from '../scenario/targets/local-target.js'
import { EXIT } from './exit-codes.js'
import { fail } from './fail.js'
import { watchInterrupts } from './interrupts.js'
import { finishOptions } from './yargs-options.js'
import { SHIPPED_FILES, SHIPPED_SCENARIOS } from '../package/package-files.js'

export const gradeOptions = (env: NodeJS.ProcessEnv = process.env) =>
  finishOptions({
    dir: { type: 'string', describe: 'the folder of the scenarios to grade with (points: and visibility: in each); default: ./scenarios, or the shipped ones' },
    tag: { type: 'string', array: true, describe: 'grade with the scenarios that have this tag (repeatable)' },
    var: { type: 'string', array: true, describe: 'set a scenario variable: name=value (repeatable)' },
    files: { type: 'string', describe: 'the files every server starts from; default: the shipped ones' },
    skipped: {
      type: 'string',
      default: 'exclude',
      choices: [...SKIPPED_SCORING],
      describe: 'a scenario that cannot run against a submission (a setting its server does not take): exclude leaves it out of the maximum, count scores it as lost',
    },
    ...detailOptions,
    out: { type: 'string', default: 'grades', describe: 'where the results go: <out>/<submission>/ (results.json, junit.xml, report.html, student.md), and <out>/summary.csv' },
  }, process.argv, env)

/**
 * `socklab grade <submission…>`: runs a scenario suite against each submission's server on the local target
 * and writes, per submission, Gradescope's results.json, JUnit, the full HTML report (for the teacher) and a
 * student-facing summary (hidden scenarios: name and verdict only); for several, a CSV of the scores.
 */
export const gradeCommand: CommandModule = {
  command: 'grade <submissions..>',
  describe: 'grade submissions (folders with server.py or socklab-server.yaml) with a scenario suite',
  builder: (yargs) =>
    yargs.positional('submissions', { type: 'string', array: true, describe: 'submission folders' }).options(gradeOptions()),
  handler: async (argv) => {
    const interrupts = watchInterrupts('socklab grade')
    try {
      // As for `scenario run`: --dir, else ./scenarios, else the shipped ones.
      const dir = typeof argv.dir === 'string' ? argv.dir : existsSync('scenarios') ? 'scenarios' : SHIPPED_SCENARIOS
      const tags = (argv.tag as string[] | undefined) ?? []
      const selected = await selectScenarios(dir, { selectors: [], all: tags.length === 0, tags }, { given: parseVarOptions((argv.var as string[] | undefined) ?? []), env: process.env })
      const broken = selected.find(isBroken)
      if (broken) throw new SocklabError('SOCKLAB_SCENARIO_INVALID', `a grading suite must be valid: ${broken.error}`)
      // The assignment is graded: socklab's own extensions (tagged socklab) only when a --tag asks for them.
      const scenarios = selected.filter((s): s is Scenario => !isBroken(s) && (tags.length > 0 || !s.tags.includes(EXTENSION_TAG)))
      const files = resolve(typeof argv.files === 'string' ? argv.files : SHIPPED_FILES)
      const out = resolve(String(argv.out))
      const target = new LocalTarget(process.argv[1]!)
      const progress = new ConsoleProgress(process.stdout, false, detailOf(argv))
      const grades: Grade[] = []
      for (const folder of (argv.submissions as string[]) ?? []) {
        if (interrupts.signal.aborted) break
        const spec = await submissionSpec(folder)
        const started = performance.now()
        const { results } = await runSuite(scenarios, target, {
          shippedFiles: files,
          signal: interrupts.signal,
          repeat: 1,
          parallel: 1,
          bail: false,
          server: spec,
          onRun: ({ scenario }) => progress.run(`${scenario.name} @ ${spec.name}`, target.name, 'description' in scenario ? scenario.description : ''),
        })
        const g = grade(spec.name, scenarios, results, argv.skipped as SkippedScoring)
        grades.push(g)
        const place = join(out, basename(resolve(folder)))
        await mkdir(place, { recursive: true })
        await writeFile(join(place, 'results.json'), `${JSON.stringify(gradescopeResults(g, (performance.now() - started) / 1000), null, 2)}\n`)
        await writeFile(join(place, 'junit.xml'), junitReport(results))
        await writeFile(join(place, 'report.html'), htmlReport(results))
        await writeFile(join(place, 'student.md'), studentReport(g))
        process.stdout.write(`\n${spec.name}: ${gradeLine(g)} (${place})\n`)
      }
      if (interrupts.signal.aborted) process.exit(interrupts.exitCode)
      if (grades.length > 1) {
        await writeFile(join(out, 'summary.csv'), gradesCsv(grades))
        process.stdout.write(`summary: ${join(out, 'summary.csv')}\n`)
      }
      // A submission whose server never started was not graded at all: the run says so in its exit code.
      const ungraded = grades.filter((g) => g.notGraded)
      if (ungraded.length > 0) process.stderr.write(`not graded (the server did not start): ${ungraded.map((g) => g.submission).join(', ')}\n`)
      process.exit(ungraded.length > 0 ? EXIT.LISTEN_FAILED : EXIT.OK)
    } catch (error) {
      fail(error, 'socklab grade')
    }
  },
}
