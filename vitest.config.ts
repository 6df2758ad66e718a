import { spawnSync } from 'node:child_process'
import { defineConfig } from 'vitest/config'

// The container suite needs a Docker engine. In CI it always runs (and fails without one); elsewhere it is
// left out, loudly, when no engine answers, so the fast tiers still run on a laptop without Docker.
const inCi = process.env.CI === 'true'
const engine = inCi || spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 15_000 }).status === 0
if (!engine) console.warn('\n[socklab] no Docker engine answers: the container tests are not run (CI runs them)\n')

export default defineConfig({
  test: {
    // CI keeps a JUnit file of the whole run at a known path (scenario reports go to reports/scenarios/).
    reporters: inCi ? ['default', 'junit'] : ['default'],
    outputFile: { junit: 'reports/junit/vitest.xml' },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts'],
          testTimeout: 10_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      ...(engine
        ? [
            {
              test: {
                name: 'containers',
                include: ['test/containers/**/*.test.ts'],
                globalSetup: ['test/containers/global-setup.ts'],
                testTimeout: 120_000,
                hookTimeout: 180_000,
                // Two cores: one container test file at a time keeps timings honest.
                fileParallelism: false,
              },
            },
          ]
        : []),
    ],
  },
})
