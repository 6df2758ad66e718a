import type { JsonLine } from './json-lines.js'
import type { ServerEventName } from './server-event.js'

/** One rule of a log adapter: a console line that matches `match` is the event, with its named groups as fields. */
export interface AdapterRule {
  event: ServerEventName
  match: RegExp
  /** Fields the line always means (the original prints `disconnected.` only on exit: `reason: exit`). */
  set: Record<string, string | number>
}

/** Fields that are numbers in the event vocabulary: a captured `50000` becomes 50000. */
const NUMERIC = new Set(['port', 'connected', 'maxClients', 'bytes', 'size', 'durationMs', 'dropped', 'maxConnections', 'clients'])

/**
 * A server's console output turned into socklab's events, so that scenarios assert on a server that
 * knows nothing of socklab (the original Python one, a student's): each line is tried against the rules
 * in order; the first that matches makes the event. What the rules cannot produce is known, so that a
 * step that needs it is skipped with that reason, never passed.
 */
export class LogAdapter {
  constructor(
    readonly name: string,
    readonly rules: readonly AdapterRule[],
  ) {}

  /** The event a console line means, as a log line would carry it; undefined for any other line. */
  line(text: string, now = new Date()): JsonLine | undefined {
    for (const rule of this.rules) {
      const found = rule.match.exec(text)
      if (found) return this.#event(rule, found, text, now)
    }
    return undefined
  }

  /**
   * The events of one console line: the line's event, or, when no rule takes the whole line, every rule's
   * match within it, in order. A threaded server's lines can run together (Python's print writes the text
   * and its newline separately, so two threads make `Client03 disconnected.Client01 disconnected.`).
   */
  events(text: string, now = new Date()): JsonLine[] {
    const whole = this.line(text, now)
    if (whole) return [whole]
    const found: Array<{ at: number; end: number; event: JsonLine }> = []
    for (const rule of this.rules) {
      for (const match of text.matchAll(this.#within(rule))) {
        found.push({ at: match.index, end: match.index + match[0].length, event: this.#event(rule, match, match[0], now) })
      }
    }
    found.sort((a, b) => a.at - b.at)
    const events: JsonLine[] = []
    let end = 0
    for (const hit of found) {
      if (hit.at < end) continue
      events.push(hit.event)
      end = hit.end
    }
    return events
  }

  /** The events among console lines, in order (a line may end in CR LF). */
  lines(lines: readonly JsonLine[], now = new Date()): JsonLine[] {
    return lines.flatMap(({ line }) => this.events(line.replace(/\r$/, ''), now))
  }

  readonly #unanchored = new Map<AdapterRule, RegExp>()

  /** A rule's expression without its ^ and $ anchors, to find it inside a longer line. */
  #within(rule: AdapterRule): RegExp {
    let within = this.#unanchored.get(rule)
    if (!within) {
      within = new RegExp(rule.match.source.replace(/^\^/, '').replace(/(?<!\\)\$$/, ''), 'g')
      this.#unanchored.set(rule, within)
    }
    return within
  }

  #event(rule: AdapterRule, found: RegExpMatchArray, text: string, now: Date): JsonLine {
    const fields: Record<string, unknown> = { ...rule.set }
    for (const [key, value] of Object.entries(found.groups ?? {})) {
      if (value !== undefined) fields[key] = NUMERIC.has(key) && /^-?\d+$/.test(value) ? Number(value) : value
    }
    return { line: text, value: { level: 30, time: now.toISOString(), event: rule.event, ...fields, msg: text } }
  }

  /** The lines that make `event`, as a person reads them: `a line matching /^Server listening on …$/`. */
  describe(event: ServerEventName): string {
    const rules = this.rules.filter((r) => r.event === event)
    return rules.length === 0 ? `no line (log adapter ${this.name} has no rule for ${event})` : `a line matching ${rules.map((r) => `/${r.match.source}/`).join(' or ')}`
  }

  /**
   * Why a step that needs `event` with these fields (names, or names and the values wanted) cannot be
   * checked against this server, if it cannot: no rule makes the event, no rule gives a field, or the only
   * rules giving a field set it to another value (the original logs a disconnect only on exit).
   */
  cannotSee(event: ServerEventName, fields: readonly string[] | Readonly<Record<string, string | number>> = []): string | undefined {
    const rules = this.rules.filter((r) => r.event === event)
    if (rules.length === 0) return `the server's log does not show ${event} (log adapter ${this.name})`
    const wanted: Record<string, string | number | undefined> = Array.isArray(fields) ? Object.fromEntries(fields.map((f) => [f, undefined])) : { ...fields }
    const shows = (rule: AdapterRule, field: string) => {
      if (rule.match.source.includes(`(?<${field}>`)) return true
      if (!(field in rule.set)) return false
      const value = wanted[field]
      // A wanted value that still holds ${…} is known only when the step runs: the rule may give it.
      return value === undefined || String(value).includes('${') || String(rule.set[field]) === String(value)
    }
    const missing = Object.keys(wanted).filter((field) => !rules.some((r) => shows(r, field)))
    if (missing.length > 0) {
      const which = missing.map((f) => (wanted[f] === undefined ? f : `${f} ${wanted[f]}`)).join(', ')
      return `the server's log does not show ${which} of ${event} (log adapter ${this.name})`
    }
    return undefined
  }
}
