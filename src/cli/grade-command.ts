import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import type { CommandModule } from 'yargs'
import { engineAnswers } from '../docker/docker-engine.js'
import { DEFAULT_IMAGE } from '../docker/image-build.js'
import { DEFAULT_SANDBOX } from '../docker/sandbox.js'
import { DEFAULT_CONTAINER_STARTS } from '../docker/start-turns.js'
import { SocklabError } from '../errors/socklab-error.js'
import { writeClassFiles, writeGrade } from '../grading/class-files.js'
import type { GradedSubmission } from '../grading/class-report.js'
import { DEFAULT_WALL_TIME_MS, gradeLimits, type GradeLimits } from '../grading/grade-config.js'
import { GradeProgress } from '../grading/grade-progress.js'
import { grade, gradeLine, gradescopeResults, SKIPPED_SCORING, studentReport, type SkippedScoring } from '../grading/gradescope.js'
import { prairieLearnResults } from '../grading/prairielearn.js'
import { SUBMISSION_SPEC, submissionSpec } from '../grading/submission.js'
import { generatedNames, varyFiles, withDrawnNames } from '../grading/varied-files.js'
import { ownedTempDir } from '../ownership/owned-temp-dir.js'
import { loadServerSpec, type ServerSpec } from '../lab/server-spec.js'
import { SHIPPED_FILES, SHIPPED_SCENARIOS } from '../package/package-files.js'
import { htmlReport } from '../scenario/reports/html-report.js'
import { junitReport } from '../scenario/reports/junit-report.js'
import { EXTENSION_TAG, isBroken } from '../scenario/scenario-catalog.js'
import type { Scenario } from '../scenario/scenario.js'
import { unrunResult, type ScenarioResult } from '../scenario/scenario-result.js'
import { selectScenarios } from '../scenario/scenario-selection.js'
import { parseVarOptions } from '../scenario/scenario-vars.js'
import { runSuite } from '../scenario/suite-runner.js'
import { DockerTarget } from '../scenario/targets/docker-target.js'
import type { ScenarioTarget } from '../scenario/targets/scenario-target.js'
import { formatSize } from '../values/byte-size.js'
import { EXIT } from './exit-codes.js'
import { fail } from './fail.js'
import { watchInterrupts } from './interrupts.js'
import { chooseTarget } from './target-choice.js'
import { finishOptions } from './yargs-options.js'
import { captureMode, captureOption } from './capture-option.js'
import type { CaptureMode } from '../capture/packet-capture.js'

export const gradeOptions = (env: NodeJS.ProcessEnv = process.env) =>
  finishOptions({
    dir: { type: 'string', describe: 'the folder of the scenarios to grade with (points: and visibility: in each); default: ./scenarios, or the shipped ones' },
    tag: { type: 'string', array: true, describe: 'grade with the scenarios that have this tag (repeatable)' },
    var: { type: 'string', array: true, describe: 'set a scenario variable: name=value (repeatable)' },
    files: { type: 'string', describe: 'the files every server starts from; default: the shipped ones' },
    vary: { type: 'string', describe: "draw each submission's served files from this seed and its name (other names and contents, same extensions and sizes; the scenarios ask for them by the drawn names; recorded in variation.json, so a regrade is the same): a submission cannot hard-code them" },
    skipped: {
      type: 'string',
      default: 'exclude',
      choices: [...SKIPPED_SCORING],
      describe: 'a scenario that cannot run against a submission (a setting its server does not take): exclude leaves it out of the maximum, count scores it as lost',
    },
    target: {
      type: 'string',
      choices: ['docker', 'local'],
      describe: 'docker: each submission sandboxed in containers of its own (default when an engine answers); local: processes on this machine, unsandboxed (a warning says so)',
    },
    'unsafe-local': { type: 'boolean', default: false, describe: 'with no Docker engine, run the submissions as local processes with your rights anyway (only for code you trust, or inside a sandbox such as an autograder container)' },
    parallel: { type: 'number', describe: 'grade this many submissions at once; default: one per two CPUs, as many as half the memory holds at --memory each' },
    memory: { type: 'string', default: formatSize(DEFAULT_SANDBOX.memory).replace(' ', ''), describe: "each submission's server: memory (no swap beyond it)" },
    cpus: { type: 'number', default: DEFAULT_SANDBOX.cpus, describe: "each submission's server: CPUs' worth of time" },
    pids: { type: 'number', default: DEFAULT_SANDBOX.pids, describe: "each submission's server: processes and threads at once (a fork bomb stops there)" },
    tmpfs: { type: 'string', default: formatSize(DEFAULT_SANDBOX.tmpfs).replace(' ', ''), describe: "each submission's server: the size of each of its writable folders, /tmp and /dev/shm" },
    'output-limit': { type: 'string', default: formatSize(DEFAULT_SANDBOX.output).replace(' ', ''), describe: "each submission's server: console output read before it is stopped as a flood (and loses the scenario)" },
    'wall-time': { type: 'string', default: `${DEFAULT_WALL_TIME_MS / 60_000}m`, describe: 'each submission: how long all its scenarios may take; what is left then is not run, and scores nothing' },
    image: { type: 'string', default: DEFAULT_IMAGE, describe: "the socklab image of the docker target's clients (built when missing)" },
    'container-starts': { type: 'number', default: DEFAULT_CONTAINER_STARTS, describe: 'on the docker target: how many client containers start at once, all submissions together' },
    quiet: { alias: 'q', type: 'boolean', default: false, describe: 'no progress: a line per submission' },
    ...captureOption,
    out: { type: 'string', default: 'grades', describe: 'where the results go: <out>/<submission>/ (results.json for Gradescope, prairielearn.json, junit.xml, report.html, student.md, grade.json), and <out>/summary.csv and <out>/class.html for every submission graded there' },
  }, process.argv, env)

/** What every submission is graded with. */
interface GradeRun {
  scenarios: Scenario[]
  files: string
  out: string
  target: ScenarioTarget
  sandboxed: boolean
  /** When a scenario's packets are kept in its failure bundle, beside the submission's report. */
  capture: CaptureMode
  limits: GradeLimits
  skipped: SkippedScoring
  /** --vary: the seed each submission's files are drawn from. */
  vary: string | undefined
  signal: AbortSignal
  progress: GradeProgress | undefined
}

/**
 * `socklab grade <submission…>`: runs a scenario suite against each submission's server, --parallel at once,
 * each in a sandbox of its own on the docker target (or unsandboxed on the local target, when asked), and
 * writes per submission Gradescope's results.json, JUnit, the full HTML report (for the teacher) and a
 * student-facing summary (hidden scenarios: name and verdict only); for the class, summary.csv and class.html.
 */
export const gradeCommand: CommandModule = {
  command: 'grade <submissions..>',
  describe: 'grade submissions (folders with server.py or socklab-server.yaml) with a scenario suite, each sandboxed',
  builder: (yargs) =>
    yargs.positional('submissions', { type: 'string', array: true, describe: 'submission folders' }).options(gradeOptions()),
  handler: async (argv) => {
    const interrupts = watchInterrupts('socklab grade')
    let target: ScenarioTarget | undefined
    try {
      const limits = gradeLimits(argv)
      // As for `scenario run`: --dir, else ./scenarios, else the shipped ones.
      const dir = typeof argv.dir === 'string' ? argv.dir : existsSync('scenarios') ? 'scenarios' : SHIPPED_SCENARIOS
      const tags = (argv.tag as string[] | undefined) ?? []
      const selected = await selectScenarios(dir, { selectors: [], all: tags.length === 0, tags }, { given: parseVarOptions((argv.var as string[] | undefined) ?? []), env: process.env })
      const broken = selected.find(isBroken)
      if (broken) throw new SocklabError('SOCKLAB_SCENARIO_INVALID', `a grading suite must be valid: ${broken.error}`)
      // The assignment is graded: socklab's own extensions (tagged socklab) only when a --tag asks for them.
      const scenarios = selected.filter((s): s is Scenario => !isBroken(s) && (tags.length > 0 || !s.tags.includes(EXTENSION_TAG)))
      const folders = (argv.submissions as string[] | undefined) ?? []
      const kind = await targetKind(argv.target as string | undefined, argv.unsafeLocal === true)
      target = await chooseTarget(kind, String(argv.image), { containerStarts: Number(argv.containerStarts), sandbox: limits.sandbox })
      const quiet = argv.quiet === true
      const run: GradeRun = {
        scenarios,
        files: resolve(typeof argv.files === 'string' ? argv.files : SHIPPED_FILES),
        out: resolve(String(argv.out)),
        target,
        sandboxed: target instanceof DockerTarget,
        capture: captureMode(argv, String(argv.out)),
        limits,
        skipped: argv.skipped as SkippedScoring,
        vary: typeof argv.vary === 'string' ? argv.vary : undefined,
        signal: interrupts.signal,
        progress: quiet ? undefined : new GradeProgress(process.stdout, folders.length),
      }
      if (!run.sandboxed) process.stderr.write("warning: the submissions run unsandboxed, as local processes with your rights: they can read, write and connect wherever you can. Grade untrusted code on the docker target (the default where an engine answers).\n")
      else if (!quiet) process.stdout.write(`Grading ${folders.length} submissions, ${Math.min(limits.parallel, folders.length)} at once, each sandboxed (memory ${formatSize(limits.sandbox.memory)}, ${limits.sandbox.cpus} CPU, ${limits.sandbox.pids} pids, output ${formatSize(limits.sandbox.output)}, wall time ${limits.wallTimeMs / 1000} s).\n`)
      // What every sandboxed run needs is made first: a machine that cannot make it stops here, saying why.
      if (target instanceof DockerTarget) await target.prepareClass(folders.some((folder) => existsSync(join(folder, 'server.py'))))
      await mkdir(run.out, { recursive: true })
      const graded: GradedSubmission[] = []
      let next = 0
      const worker = async () => {
        while (next < folders.length && !interrupts.signal.aborted) {
          const folder = folders[next]!
          next += 1
          const one = await gradeSubmission(folder, run)
          graded.push(one)
          // Why a submission was not graded is said whole (what was run and waited for, the likely cause, its last lines).
          const why = one.grade.notGraded ? `\n${one.grade.notGraded.replace(/^/gm, '    ')}` : ''
          const line = `${gradeLine(one.grade)} (${join(run.out, basename(resolve(folder)))})${why}`
          if (quiet) process.stdout.write(`${one.grade.submission}: ${line}\n`)
          else run.progress!.finished(one.grade.submission, line)
        }
      }
      await Promise.all(Array.from({ length: Math.max(1, Math.min(limits.parallel, folders.length)) }, worker))
      await target.settle?.()
      if (interrupts.signal.aborted) process.exit(interrupts.exitCode)
      const { csv, html, count } = await writeClassFiles(run.out)
      process.stdout.write(`summary: ${csv}\nclass report: ${html} (${count} submissions)\n`)
      // A submission whose server never started was not graded at all: the run says so in its exit code.
      const ungraded = graded.filter((g) => g.grade.notGraded)
      if (ungraded.length > 0) process.stderr.write(`not graded (the server did not start): ${ungraded.map((g) => g.grade.submission).join(', ')}\n`)
      process.exit(ungraded.length > 0 ? EXIT.LISTEN_FAILED : EXIT.OK)
    } catch (error) {
      if (interrupts.signal.aborted) {
        await target?.settle?.()
        process.exit(interrupts.exitCode)
      }
      fail(error, 'socklab grade')
    }
  },
}

/**
 * docker where an engine answers; local only when asked (--target local, with a warning), or with
 * --unsafe-local where there is no engine. Without either, untrusted code is not run on this machine.
 */
async function targetKind(requested: string | undefined, unsafeLocal: boolean): Promise<'docker' | 'local'> {
  if (requested === 'docker' || requested === 'local') return requested
  if (await engineAnswers()) return 'docker'
  if (unsafeLocal) return 'local'
  throw new SocklabError(
    'SOCKLAB_TARGET_UNAVAILABLE',
    'no Docker engine answers, and grading runs every submission in a sandbox on one: start Docker (Docker Desktop, or `sudo apt-get install docker.io` and `sudo systemctl start docker`, with your user in the docker group), then grade again. To run the submissions as local processes with your rights instead (only code you trust, or inside an autograder\'s own container), add --unsafe-local',
  )
}

/** A submission's server: run as written on the docker target (a server.py, or its socklab-server.yaml); on the local target, started as the original is. */
async function submissionServer(folder: string, sandboxed: boolean): Promise<ServerSpec> {
  const dir = resolve(folder)
  const name = basename(dir)
  if (sandboxed) return { ...(await loadServerSpec(dir)), name }
  // Locally, one that binds every address and reads no arguments runs as written, on the port it hard-codes.
  if (existsSync(join(dir, 'server.py')) && !existsSync(join(dir, SUBMISSION_SPEC))) {
    const spec = await loadServerSpec(dir).catch(() => undefined)
    if (spec?.asWritten && !spec.asWritten.host && !spec.asWritten.readsArguments) return { ...spec, name }
  }
  return submissionSpec(folder)
}

/** Grades one submission within its wall time and writes its files; a submission that cannot be started is graded as such, never stops the class. */
async function gradeSubmission(folder: string, run: GradeRun): Promise<GradedSubmission> {
  const name = basename(resolve(folder))
  const started = performance.now()
  const wall = new AbortController()
  const timer = setTimeout(() => wall.abort(new SocklabError('SOCKLAB_INTERRUPTED', `the submission's wall time is over (${run.limits.wallTimeMs / 1000} s, --wall-time)`)), run.limits.wallTimeMs)
  const stop = () => wall.abort(run.signal.reason)
  run.signal.addEventListener('abort', stop, { once: true })
  let results: ScenarioResult[]
  const place = join(run.out, name)
  await mkdir(place, { recursive: true })
  // --vary: this submission's own files, drawn from the seed and its name.
  const varied = run.vary === undefined ? undefined : await ownedTempDir('vary')
  try {
    let shippedFiles = run.files
    let scenarios = run.scenarios
    if (varied) {
      const variation = await varyFiles(run.files, run.vary!, name, varied.path, generatedNames(run.scenarios))
      await writeFile(join(place, 'variation.json'), `${JSON.stringify(variation, null, 2)}\n`)
      shippedFiles = varied.path
      // The scenarios ask for the files by the names this submission was given.
      scenarios = run.scenarios.map((s) => withDrawnNames(s, variation.names))
    }
    run.progress?.start(name, run.scenarios.length)
    const spec = await submissionServer(folder, run.sandboxed).catch((error: Error) => error)
    if (spec instanceof Error) {
      results = run.scenarios.map((s) => notStarted(s, run.target.name, `${name}: ${spec.message}`))
    } else {
      const suite = await runSuite(scenarios, run.target, {
        shippedFiles,
        // A failed scenario's logs (its server's console whole) are kept for the teacher.
        logsDir: join(run.out, name, 'logs'),
        capture: run.capture,
        signal: wall.signal,
        repeat: 1,
        parallel: 1,
        bail: false,
        server: spec,
        onRun: ({ scenario }) => ({ step: () => undefined, finished: (result) => run.progress?.scenario(name, scenario.name, result.verdict) }),
      })
      // What an interrupt or the wall time left unrun scores nothing, and says why.
      results = run.scenarios.map((s) => suite.results.find((r) => r.name === s.name) ?? notRun(s, run.target.name, wall.signal))
    }
  } finally {
    clearTimeout(timer)
    run.signal.removeEventListener('abort', stop)
    await varied?.[Symbol.asyncDispose]()
  }
  const seconds = (performance.now() - started) / 1000
  const g = grade(name, run.scenarios, results, run.skipped)
  await writeFile(join(place, 'results.json'), `${JSON.stringify(gradescopeResults(g, seconds), null, 2)}\n`)
  await writeFile(join(place, 'prairielearn.json'), `${JSON.stringify(prairieLearnResults(g), null, 2)}\n`)
  await writeFile(join(place, 'junit.xml'), junitReport(results))
  await writeFile(join(place, 'report.html'), htmlReport(results, { dir: place }))
  await writeFile(join(place, 'student.md'), studentReport(g))
  const graded: GradedSubmission = { grade: g, seconds, where: run.sandboxed ? 'docker (sandboxed)' : 'local (unsandboxed)', report: `${name}/report.html` }
  await writeGrade(place, graded)
  return graded
}

/** A submission whose server cannot even be read (a bind that cannot work): not graded, with the reason. */
const notStarted = (scenario: Scenario, target: string, why: string) => unrunResult(scenario, target, why, { serverDidNotStart: why })

const notRun = (scenario: Scenario, target: string, signal: AbortSignal) => unrunResult(scenario, target, `not run: ${signal.aborted ? (signal.reason as Error).message : 'not reached'}`)
