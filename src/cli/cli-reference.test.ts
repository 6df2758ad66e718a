import { readFileSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { fillOptionTables } from './cli-reference.js'
import { OPTION_TABLES } from './option-tables.js'

const PAGE = new URL('../../docs/cli.md', import.meta.url)

describe('docs/cli.md', () => {
  it('has the option tables the option specs make (WRITE_DOCS=1, or npm run docs:cli, rewrites them)', () => {
    const page = readFileSync(PAGE, 'utf8')
    const filled = fillOptionTables(page)
    if (process.env.WRITE_DOCS === '1') writeFileSync(PAGE, filled)
    else expect(page, 'docs/cli.md is out of date: run npm run docs:cli').toBe(filled)
  })

  it('has a table for every command that takes options', () => {
    const page = readFileSync(PAGE, 'utf8')
    for (const { command } of OPTION_TABLES) expect(page).toContain(`<!-- options: ${command} -->`)
  })
})
