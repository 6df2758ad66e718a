#!/usr/bin/env node
// The socklab CLI, bundled by `npm install` (or `npm run build`) into dist/.
import { existsSync } from 'node:fs'

const bundle = new URL('../dist/socklab.js', import.meta.url)
if (!existsSync(bundle)) {
  process.stderr.write('socklab: dist/socklab.js is missing; run `npm install` or `npm run build` first\n')
  process.exit(1)
}
await import(bundle.href)
