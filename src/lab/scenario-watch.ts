import { SocklabError } from '../errors/socklab-error.js'
import type { ScenarioResult, StepResult } from '../scenario/scenario-result.js'
import type { Scenario } from '../scenario/scenario.js'
import type { StepContext } from '../scenario/steps/step-context.js'
import type { ScenarioTarget, TargetRun } from '../scenario/targets/scenario-target.js'
import { labView, type ClientRecord, type ExecResult, type LabSource, type LabView } from './lab-view.js'
import { ServerWatch } from './server-watch.js'

interface Watched {
  scenario: Scenario
  run: TargetRun
  ctx: StepContext
  target: ScenarioTarget
}

/**
 * A scenario run shown on the lab dashboard as it happens (`socklab scenario run --dashboard`): the
 * current scenario's server and slots from its events, its clients from the run's own state, and each step
 * on the timeline. It only watches: the page's actions are refused while a scenario drives the lab.
 */
export class ScenarioWatch implements LabSource {
  readonly watch = new ServerWatch()
  #current: Watched | undefined
  #unsubscribe: (() => void) | undefined

  /** Follows a run from the moment its server is up (RunOptions.onPrepared). */
  attach(watched: Watched): void {
    this.#unsubscribe?.()
    this.#current = watched
    this.watch.reset(watched.scenario.server.options.maxClients as number | undefined)
    this.watch.note(`scenario ${watched.scenario.name} starts on the ${watched.target.name} target`)
    for (const event of watched.run.events?.events ?? []) this.watch.event(event)
    this.#unsubscribe = watched.run.events?.subscribe((event) => this.watch.event(event))
  }

  step(result: StepResult, depth: number): void {
    const mark = result.verdict === 'passed' ? '✓' : result.verdict === 'failed' ? '✗' : '–'
    this.watch.note(`${'  '.repeat(depth)}${mark} ${result.label}${result.reason ? ` — ${result.reason}` : ''}`)
  }

  finished(result: ScenarioResult): void {
    this.watch.note(`scenario ${result.name} ${result.verdict}${result.skipped ? `: ${result.skipped}` : ''}`)
  }

  view(): LabView {
    const current = this.#current
    return labView({
      name: current ? current.scenario.name : 'waiting for a scenario',
      target: current?.target.name ?? '',
      server: { spec: 'server', label: current?.run.serverLabel ?? '', address: current?.run.serverAddress ?? current?.run.serverLabel ?? '', running: true },
      maxClients: this.watch.maxClients,
      holders: this.watch.holders,
      clients: current ? current.scenario.clients.map((client) => clientRecord(client.name, current.ctx)) : [],
      transfers: this.watch.transfers,
    })
  }

  addClient(): string {
    return refused()
  }

  exec(): Promise<ExecResult> {
    return Promise.reject(refusal())
  }

  restartServer(): Promise<void> {
    return Promise.reject(refusal())
  }
}

/** A scenario client as the run knows it: connected (its agent runs), turned away, gone, or not yet connected. */
function clientRecord(name: string, ctx: StepContext): ClientRecord {
  const facts = ctx.facts.get(name)
  const entry = ctx.agents.get(name)
  if (entry?.agent.running) return { name, state: 'connected', mode: entry.mode, serverName: facts?.name, address: facts?.address, port: facts?.port }
  if (!facts) return { name, state: 'idle' }
  const told = [...ctx.messages].reverse().find((m) => m.from === 'server' && m.to === name)
  const rejected = told !== undefined && /full/i.test(told.text)
  return { name, state: rejected ? 'rejected' : 'disconnected', serverName: facts.name, address: facts.address, port: facts.port, ...(rejected ? { note: told.text } : {}) }
}

const refusal = () => new SocklabError('SOCKLAB_CONFIG_INVALID', 'this dashboard watches a scenario run, which drives the lab: it takes no actions')
const refused = (): never => {
  throw refusal()
}
