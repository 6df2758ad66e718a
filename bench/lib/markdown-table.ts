import type { Figure, FigureGroup } from './figure.js'

const show = (value: number | null | undefined, unit = ''): string => (value === null || value === undefined ? '–' : `${value}${unit ? ` ${unit}` : ''}`)
const verdict = (met: boolean | null | undefined): string => (met === true ? '✅' : met === false ? '❌' : '')

/** One table for every figure: value, same-run baseline, ratio, goal and whether it is met. */
export function markdownTable(groups: readonly FigureGroup[]): string {
  const lines = ['| figure | value | spread | baseline (same run) | ratio | goal | |', '|---|---|---|---|---|---|---|']
  for (const group of groups) {
    lines.push(`| **${group.title}** | | | | | | |`)
    if (group.skipped) lines.push(`| skipped: ${group.skipped} | | | | | | |`)
    for (const figure of group.figures) lines.push(row(figure))
  }
  return lines.join('\n')
}

function row(f: Figure): string {
  const spread = f.spread === undefined ? '' : `±${Math.round(f.spread * 50)}%`
  const baseline = f.baseline ? `${show(f.baseline.value, f.baseline.unit ?? f.unit)} (${f.baseline.name})` : ''
  const ratio = f.ratio === undefined || f.ratio === null ? '' : `${f.ratio}×`
  const notes = f.notes ? ` — ${f.notes}` : ''
  return `| ${f.name}${notes} | ${show(f.value, f.unit)} | ${spread} | ${baseline} | ${ratio} | ${f.goal ?? ''} | ${verdict(f.met)} |`
}
