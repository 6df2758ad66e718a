import { gradeSummary, testOutput, type Grade } from './gradescope.js'

/**
 * PrairieLearn's external-grader result (/grade/results/results.json): a score from 0 to 1 and each test
 * with its points, maximum, message and output, as `<pl-external-grader-results>` shows them. A submission
 * whose server never started is `gradable: false` (no attempt used up), with why as its format errors.
 */
export function prairieLearnResults(g: Grade): object {
  if (g.notGraded) {
    return { gradable: false, message: 'Your server did not start, so nothing could be graded.', format_errors: g.notGraded.split('\n').filter((line) => line.trim() !== '') }
  }
  return {
    gradable: true,
    score: g.maxScore === 0 ? 0 : Math.round((g.score / g.maxScore) * 10_000) / 10_000,
    message: gradeSummary(g),
    tests: g.tests
      .filter((t) => !t.excluded)
      .map((t) => ({
        name: t.name,
        points: t.score,
        max_points: t.maxScore,
        message: t.status,
        output: testOutput(t),
      })),
  }
}
