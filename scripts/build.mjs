// Bundles the CLI and everything it imports into one file, dist/socklab.js (also the container image's app).
// With --bench, bundles the benchmarks instead (bench/dist/bench.js, for `npm run bench`).
import { readFileSync } from 'node:fs'
import { build } from 'esbuild'

const bench = process.argv.includes('--bench')
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))

await build({
  entryPoints: bench ? ['bench/bench.ts'] : ['src/cli/main.ts'],
  outfile: bench ? 'bench/dist/bench.js' : 'dist/socklab.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: false,
  sourcemap: 'linked',
  legalComments: 'none',
  define: { __SOCKLAB_VERSION__: JSON.stringify(version) },
  logLevel: 'warning',
  // Loaded only by the scenario runner's docker target, from the repository's node_modules.
  external: ['dockerode'],
  // Some bundled dependencies are CommonJS and expect require/__dirname.
  banner: {
    js: [
      "import { createRequire as __socklabRequire } from 'node:module';",
      "import { fileURLToPath as __socklabPath } from 'node:url';",
      'const require = __socklabRequire(import.meta.url);',
      'const __filename = __socklabPath(import.meta.url);',
      "const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));",
    ].join('\n'),
  },
})

// The JSON Schema of scenario files ships beside the bundle, printed by the bundle itself so that it is
// always the one the parser's tables make (its test checks the committed copy against them).
if (!bench) {
  const { execFileSync } = await import('node:child_process')
  const { mkdirSync, writeFileSync } = await import('node:fs')
  const schema = execFileSync(process.execPath, ['dist/socklab.js', 'scenario', 'schema'], { encoding: 'utf8' })
  mkdirSync(new URL('../schema/', import.meta.url), { recursive: true })
  writeFileSync(new URL('../schema/scenario.schema.json', import.meta.url), schema)
}
