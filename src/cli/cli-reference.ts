import { OPTION_TABLES } from './option-tables.js'
import { envVariable } from './yargs-options.js'

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ')

function shownDefault(value: unknown): string {
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) return ''
  return `\`${Array.isArray(value) ? value.join(',') : String(value)}\``
}

/** A command's options as a Markdown table: flag (and alias), default, environment variable, what it does. */
export function optionTable(command: string): string {
  const table = OPTION_TABLES.find((t) => t.command === command)
  if (!table) throw new Error(`no option table for ${command}`)
  const rows = Object.entries(table.options({})).map(([flag, option]) => {
    const alias = typeof option.alias === 'string' ? `\`-${option.alias}\`, ` : ''
    const choices = option.choices ? ` (${(option.choices as readonly unknown[]).map((c) => `\`${String(c)}\``).join(', ')})` : ''
    // The help's own note of the variable is the table's column here.
    const describe = (option.describe ?? '').replace(/ \[env [A-Z_]+\]$/, '')
    const repeat = option.array && !describe.includes('repeatable') ? ' (repeatable)' : ''
    return `| ${alias}\`--${flag}\` | ${shownDefault(option.default)} | \`${envVariable(flag)}\` | ${cell(`${describe}${choices}${repeat}`)} |`
  })
  return ['| option | default | environment | what it does |', '|---|---|---|---|', ...rows].join('\n')
}

const BLOCK = /<!-- options: ([a-z ]+) -->\n[\s\S]*?<!-- \/options -->/g

/** docs/cli.md with every `<!-- options: <command> -->` block filled from the option specs. */
export function fillOptionTables(page: string): string {
  return page.replace(BLOCK, (_, command: string) => `<!-- options: ${command} -->\n${optionTable(command)}\n<!-- /options -->`)
}
