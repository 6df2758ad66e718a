import { spawnSync } from 'node:child_process'
import { copyFile, mkdir } from 'node:fs/promises'
import { dirname, join, posix } from 'node:path'

export interface StageStep {
  kind: 'COPY' | 'RUN' | 'WORKDIR'
  args: string
}

/** The instructions of one named stage of a Dockerfile (continuation lines joined, comments dropped). */
export function stageSteps(dockerfile: string, stage: string): StageStep[] {
  const lines = dockerfile.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
  const start = lines.findIndex((l) => new RegExp(`^FROM\\s+\\S+\\s+AS\\s+${stage}$`, 'i').test(l))
  if (start < 0) throw new Error(`no stage ${stage}`)
  const steps: StageStep[] = []
  for (const line of lines.slice(start + 1)) {
    const [word, ...rest] = line.split(/\s+/)
    if (word!.toUpperCase() === 'FROM') break
    const kind = word!.toUpperCase()
    if (kind === 'COPY' || kind === 'RUN' || kind === 'WORKDIR') steps.push({ kind, args: rest.join(' ') })
  }
  return steps
}

/**
 * Replays a stage on this machine, as the image build would run it, with `root` standing for the image's /:
 * COPY takes only the given context files (what the engine was sent), RUN runs under sh with absolute paths
 * moved under `root`. Returns the first failing RUN's output, or undefined when every step passed.
 */
export async function replayStage(steps: readonly StageStep[], context: { root: string; files: readonly string[] }, root: string, env: NodeJS.ProcessEnv = {}): Promise<string | undefined> {
  let workdir = '/'
  const inImage = (path: string) => join(root, posix.resolve(workdir, path))
  for (const step of steps) {
    if (step.kind === 'WORKDIR') {
      workdir = posix.resolve(workdir, step.args)
      await mkdir(inImage('.'), { recursive: true })
    } else if (step.kind === 'COPY') {
      const words = step.args.split(/\s+/)
      const dest = words.pop()!
      const many = words.length > 1 || dest.endsWith('/')
      for (const source of words) {
        const clean = source.replace(/\/$/, '')
        const matched = context.files.filter((f) => f === clean || f.startsWith(`${clean}/`))
        for (const file of matched) {
          const inside = file === clean ? posix.basename(file) : posix.relative(clean, file)
          const target = file === clean && !many ? inImage(dest) : inImage(posix.join(dest, file === clean ? inside : inside))
          await mkdir(dirname(target), { recursive: true })
          await copyFile(join(context.root, file), target)
        }
      }
    } else {
      const command = step.args.replace(/(^|\s)\/(?=[A-Za-z])/g, `$1${root}/`)
      const run = spawnSync('sh', ['-c', command], { cwd: inImage('.'), encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 })
      if (run.status !== 0) return `RUN ${step.args}\n${run.stdout}\n${run.stderr}`
    }
  }
  return undefined
}
