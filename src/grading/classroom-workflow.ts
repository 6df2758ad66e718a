import type { Scenario } from '../scenario/scenario.js'

/** Where the workflow expects the graded suite in the students' repository (the template's copy). */
export const CLASSROOM_SUITE = '.socklab/scenarios'

/** A step id GitHub Actions takes, from a scenario's name: lower case, letters, digits and dashes. */
const stepId = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'scenario'

/**
 * GitHub Classroom's autograding workflow for a graded suite (.github/workflows/classroom.yml): a command
 * grader step per scenario, worth its points, that runs it against the repository's own server (run as
 * written, in a container: the runner has Docker), and the reporter that sends the points to Classroom.
 */
export function classroomWorkflow(scenarios: readonly Scenario[], options: { install?: string; timeoutMinutes?: number } = {}): string {
  const install = options.install ?? 'npm install --global socklab'
  const timeout = options.timeoutMinutes ?? 5
  const ids = scenarios.map((s) => stepId(s.name))
  const steps = scenarios.map((s, i) =>
    [
      `      - name: ${s.name}`,
      `        id: ${ids[i]}`,
      '        uses: classroom-resources/autograding-command-grader@v1',
      '        with:',
      `          test-name: ${s.name}`,
      ...(i === 0 ? [`          setup-command: ${install}`] : []),
      `          command: socklab scenario run ${s.name} --dir ${CLASSROOM_SUITE} --server . --quiet`,
      `          timeout: ${timeout}`,
      `          max-score: ${s.points}`,
    ].join('\n'),
  )
  return [
    '# GitHub Classroom autograding: each scenario of the graded suite, worth its points, against this',
    "# repository's server.py run as written. Made by socklab from the suite in " + CLASSROOM_SUITE + '.',
    'name: Autograding Tests',
    "'on': [push, repository_dispatch]",
    'permissions:',
    '  checks: write',
    '  actions: read',
    '  contents: read',
    'jobs:',
    '  run-autograding-tests:',
    '    runs-on: ubuntu-latest',
    "    if: github.actor != 'github-classroom[bot]'",
    '    steps:',
    '      - name: Checkout code',
    '        uses: actions/checkout@v4',
    '      - uses: actions/setup-node@v4',
    '        with:',
    '          node-version: 20',
    ...steps,
    '      - name: Autograding Reporter',
    '        uses: classroom-resources/autograding-grading-reporter@v1',
    '        env:',
    ...ids.map((id) => `          ${id.toUpperCase()}_RESULTS: "\${{ steps.${id}.outputs.result }}"`),
    '        with:',
    `          runners: ${ids.join(',')}`,
    '',
  ].join('\n')
}
