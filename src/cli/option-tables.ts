import { chaosOptions } from './chaos-command.js'
import { classroomOptions } from './classroom-command.js'
import { cleanOptions } from './clean-command.js'
import { clientOptions } from './client-command.js'
import { demoOptions } from './demo-command.js'
import { examplesOptions } from './examples-command.js'
import { gradeOptions } from './grade-command.js'
import { imagesOptions } from './images-command.js'
import { labUpOptions } from './lab-command.js'
import { probeOptions } from './probe-command.js'
import { relayOptions } from './relay-command.js'
import { scenarioListOptions, scenarioRunOptions } from './scenario-command.js'
import { serverOptions } from './server-command.js'
import type { CommandOptions } from './yargs-options.js'

/** Every command's options by the command line that takes them: for suggestions, SOCKLAB_ variables and docs/cli.md. */
export const OPTION_TABLES: ReadonlyArray<{ command: string; options: (env: NodeJS.ProcessEnv) => CommandOptions }> = [
  { command: 'server', options: serverOptions },
  { command: 'client', options: clientOptions },
  { command: 'probe', options: probeOptions },
  { command: 'scenario list', options: scenarioListOptions },
  { command: 'scenario run', options: scenarioRunOptions },
  { command: 'scenario classroom', options: classroomOptions },
  { command: 'grade', options: gradeOptions },
  { command: 'chaos', options: chaosOptions },
  { command: 'lab up', options: labUpOptions },
  { command: 'relay', options: relayOptions },
  { command: 'images', options: imagesOptions },
  { command: 'clean', options: cleanOptions },
  { command: 'demo', options: demoOptions },
  { command: 'examples', options: examplesOptions },
]
