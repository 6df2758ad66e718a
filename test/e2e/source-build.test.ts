import { readFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { dockerContextFiles, PACKAGE_ROOT, startServerProcess, VERSION } from '../../src/index.js'
import { replayStage, stageSteps } from '../helpers/dockerfile-stage.js'
import { runProcess } from '../helpers/processes.js'

/**
 * The Dockerfile's source stage is the default image build wherever node:22-slim can be pulled, and no
 * registry answers here: so it is replayed on this machine from exactly the files the engine is sent
 * (.dockerignore applied) and the stage copies, and the bundle it makes must start.
 */
describe("the image's build from source (the registry path, replayed)", () => {
  it('builds a bundle from exactly the files the source stage copies, and the bundle runs', { timeout: 300_000 }, async () => {
    const dockerfile = await readFile(join(PACKAGE_ROOT, 'Dockerfile'), 'utf8')
    const files = await dockerContextFiles(PACKAGE_ROOT)
    expect(files).toContain('Dockerfile')
    expect(files.some((f) => f.startsWith('node_modules/') || f.endsWith('.test.ts'))).toBe(false)
    const root = await mkdtemp(join(tmpdir(), 'source-build-'))
    try {
      const failure = await replayStage(stageSteps(dockerfile, 'app-source'), { root: PACKAGE_ROOT, files }, root, { npm_config_prefer_offline: 'true' })
      expect(failure).toBeUndefined()
      const bundle = join(root, 'app', 'socklab.js')
      const version = await runProcess('node', [bundle, '--version'], '')
      expect(version.stdout.trim()).toBe(VERSION)
      await using server = await startServerProcess({ entry: bundle, args: ['--files', join(PACKAGE_ROOT, 'server_files')] })
      expect(server.port).toBeGreaterThan(0)
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  })

  it('fails when the stage leaves a source folder out (the check can fail)', { timeout: 300_000 }, async () => {
    const dockerfile = (await readFile(join(PACKAGE_ROOT, 'Dockerfile'), 'utf8')).replace(/^COPY src src$/m, 'COPY src/cli src/cli')
    const root = await mkdtemp(join(tmpdir(), 'source-build-'))
    try {
      const failure = await replayStage(stageSteps(dockerfile, 'app-source'), { root: PACKAGE_ROOT, files: await dockerContextFiles(PACKAGE_ROOT) }, root, { npm_config_prefer_offline: 'true' })
      expect(failure).toMatch(/Could not resolve/)
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  })
})
