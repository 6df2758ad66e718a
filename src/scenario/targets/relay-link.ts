import type { Milestone, RelayAction, StartedRelay } from '../../relay/link-relay.js'
import { linkSpec, type LinkConditions } from '../../relay/link-spec.js'
import type { RelayOutput } from '../../relay/relay-control.js'
import type { AgentChannel } from '../agent-channel.js'

/** A client's link, at the relay it connects through, whichever way the target runs that relay. */
export interface LinkHandle {
  set(link: LinkConditions): Promise<void>
  /** Resets the relayed connection(s) both ways; resolves with how many. */
  reset(): Promise<number>
  /** Acts once the client's connection has carried the milestone's bytes; resolves with the count then. */
  when(milestone: Milestone, action: RelayAction): Promise<{ bytes: number }>
}

/** A relay in this process (local target). */
export const inProcessLink = (relay: StartedRelay): LinkHandle => ({
  set: async (link) => relay.set(link),
  reset: async () => relay.reset(),
  when: (milestone, action) => relay.when(milestone, action),
})

const ANSWER_MS = 15_000

/**
 * A `socklab relay` driven by its JSON control lines (a container on the docker target): each request
 * carries an id, answers are matched to it, and a milestone's `fired` line resolves its `when`.
 */
export class ControlledLink implements LinkHandle {
  readonly #waiting = new Map<string, (output: RelayOutput) => void>()
  readonly #fired = new Map<string, (output: RelayOutput) => void>()
  #serial = 0

  constructor(
    channel: AgentChannel<RelayOutput>,
    private readonly write: (text: string) => void,
  ) {
    void this.#read(channel)
  }

  async set(link: LinkConditions): Promise<void> {
    await this.#ask({ set: linkSpec(link) }, 'link')
  }

  async reset(): Promise<number> {
    const answer = await this.#ask({ reset: true }, 'reset')
    return answer.type === 'reset' ? answer.connections : 0
  }

  async when(milestone: Milestone, action: RelayAction): Promise<{ bytes: number }> {
    const id = this.#id()
    const fired = new Promise<RelayOutput>((resolve) => this.#fired.set(id, resolve))
    const then = 'reset' in action ? { reset: true } : { set: linkSpec(action.set) }
    await this.#ask({ when: milestone, ...then }, 'armed', id)
    const output = await fired
    return { bytes: output.type === 'fired' ? output.bytes : 0 }
  }

  #id(): string {
    return `r${(this.#serial += 1)}`
  }

  async #ask(control: object, expected: RelayOutput['type'], id = this.#id()): Promise<RelayOutput> {
    const answer = new Promise<RelayOutput>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the relay did not answer ${JSON.stringify(control)} within ${ANSWER_MS} ms`)), ANSWER_MS)
      this.#waiting.set(id, (output) => {
        clearTimeout(timer)
        resolve(output)
      })
    })
    this.write(`${JSON.stringify({ ...control, id })}\n`)
    const output = await answer
    if (output.type !== expected) throw new Error(`the relay answered ${JSON.stringify(output)}`)
    return output
  }

  async #read(channel: AgentChannel<RelayOutput>): Promise<void> {
    const never = new AbortController().signal
    for (;;) {
      const output = await channel.next(never).catch(() => undefined)
      if (!output) return
      const id = 'id' in output ? output.id : undefined
      if (id === undefined) continue
      const waiting = output.type === 'fired' ? this.#fired : this.#waiting
      waiting.get(id)?.(output)
      waiting.delete(id)
    }
  }
}
