import { LineCounter, parseDocument } from 'yaml'
import { duration } from '../values/duration.js'
import { YamlCursor } from '../values/yaml-cursor.js'
import { parseSize } from '../values/byte-size.js'
import { regexSource } from '../values/regex-source.js'
import { describeLink, NO_CONDITIONS, parseLink, type LinkConditions } from './link-spec.js'
import type { Milestone, RelayAction, StartedRelay } from './link-relay.js'

/** What the relay reports on its standard output, one JSON object per line. */
export type RelayOutput =
  | { type: 'listening'; port: number; to: string; link: string }
  | { type: 'link'; link: string; conditions: LinkConditions; id?: string }
  | { type: 'reset'; connections: number; id?: string }
  | { type: 'armed'; id?: string }
  | { type: 'fired'; id?: string; bytes: number; action: 'set' | 'reset'; link?: string; connections?: number }
  | { type: 'stats'; connections: number; carried: { up: number; down: number }; link: string; id?: string }
  | { type: 'error'; message: string; id?: string }

/**
 * The relay's control lines (its standard input), each a JSON object (YAML flow works too):
 * `{"set": <link>}` replaces the conditions; `{"clear": true}` removes them; `{"reset": true}` resets
 * every connection now, `{"reset": {"after": "2s"}}` later; `{"when": {"bytes": "4MiB", "direction":
 * "down"}, "set": <link>}` (or `"reset": true`) acts once the connections have carried that much;
 * `{"stats": true}` reports. `"id"` is echoed in the answers. A bare `reset` line still works.
 */
export function controlLine(line: string, relay: StartedRelay, emit: (output: RelayOutput) => void): void {
  const text = line.trim()
  if (text === '') return
  if (text === 'reset') return emit({ type: 'reset', connections: relay.reset() })
  let id: string | undefined
  try {
    const lines = new LineCounter()
    const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true })
    if (doc.errors.length > 0) throw new Error(`not JSON: ${doc.errors[0]!.message.split('\n')[0]}`)
    const cursor = new YamlCursor(doc.contents, '', { file: 'control', lines, vars: new Map() })
    if (!cursor.isMap()) throw new Error(`unknown control line ${JSON.stringify(text)}: expected a JSON object ({"set": {…}}, {"clear": true}, {"reset": true}, {"when": …}, {"stats": true}) or the line reset`)
    const e = cursor.entries(['set', 'clear', 'reset', 'when', 'stats', 'id'])
    id = e.get('id') ? String(e.get('id')!.scalar()) : undefined
    const when = e.get('when')
    const resetCursor = e.get('reset')
    const action = (): RelayAction => {
      if (e.get('set')) return { set: parseLink(e.get('set')!) }
      if (e.get('clear')) return { set: NO_CONDITIONS }
      if (resetCursor?.scalar() === true) return { reset: true }
      return cursor.fail('one of set, clear, reset or stats')
    }
    if (when) {
      const milestone = parseMilestone(when)
      const act = action()
      emit({ type: 'armed', id })
      void relay.when(milestone, act).then(({ bytes }) =>
        emit({ type: 'fired', id, bytes, action: 'reset' in act ? 'reset' : 'set', ...('set' in act ? { link: describeLink(act.set) } : {}) }),
      )
      return
    }
    if (e.get('stats')) return emit({ type: 'stats', connections: relay.connections, carried: relay.carried, link: describeLink(relay.link), id })
    if (resetCursor?.isMap()) {
      const after = duration(resetCursor.entries(['after']).get('after') ?? resetCursor.fail('`after`: a duration'))
      emit({ type: 'armed', id })
      setTimeout(() => emit({ type: 'reset', connections: relay.reset(), id }), after)
      return
    }
    const act = action()
    if ('reset' in act) return emit({ type: 'reset', connections: relay.reset(), id })
    relay.set(act.set)
    emit({ type: 'link', link: describeLink(act.set), conditions: act.set, id })
  } catch (error) {
    emit({ type: 'error', message: (error as Error).message, id })
  }
}

function parseMilestone(cursor: YamlCursor): Milestone {
  const e = cursor.entries(['bytes', 'match', 'direction'])
  const matchCursor = e.get('match')
  if (matchCursor) return { match: regexSource(matchCursor), direction: e.get('direction')?.oneOf(['up', 'down']) }
  const bytesCursor = e.get('bytes') ?? cursor.fail('`bytes`: how much the connections must have carried')
  const bytes = parseSize(bytesCursor.scalar() as string | number)
  if (bytes === undefined) return bytesCursor.fail('a size such as 4MiB or a number of bytes')
  return { bytes, direction: e.get('direction')?.oneOf(['up', 'down']) }
}
