import { existsSync } from 'node:fs'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { classReport, type GradedSubmission } from './class-report.js'
import { gradesCsv } from './gradescope.js'

/** Each submission's grade, beside its reports: what the class files are made from. */
export const GRADE_FILE = 'grade.json'

export async function writeGrade(place: string, graded: GradedSubmission): Promise<void> {
  await writeFile(join(place, GRADE_FILE), `${JSON.stringify(graded, null, 2)}\n`)
}

/**
 * Writes <out>/summary.csv and <out>/class.html from every graded submission under `out`, those graded
 * before included: re-grading one submission updates its row and leaves the others as they were.
 */
export async function writeClassFiles(out: string): Promise<{ csv: string; html: string; count: number }> {
  const graded: GradedSubmission[] = []
  for (const entry of await readdir(out, { withFileTypes: true })) {
    const file = join(out, entry.name, GRADE_FILE)
    if (!entry.isDirectory() || !existsSync(file)) continue
    graded.push(JSON.parse(await readFile(file, 'utf8')) as GradedSubmission)
  }
  graded.sort((a, b) => a.grade.submission.localeCompare(b.grade.submission))
  const csv = join(out, 'summary.csv')
  const html = join(out, 'class.html')
  await writeFile(csv, gradesCsv(graded.map((g) => g.grade)))
  await writeFile(html, classReport(graded))
  return { csv, html, count: graded.length }
}
