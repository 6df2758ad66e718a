import { isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml'
import { closest } from '../text/did-you-mean.js'
import { SocklabError } from '../errors/socklab-error.js'

/** The file a cursor reads, and the variables its strings may use as `${name}`. */
export interface YamlSource {
  file: string
  lines: LineCounter
  /** Values for `${name}`, filled in as strings are read; other `${…}` are left for later checks. */
  vars: ReadonlyMap<string, string>
}

/** `${name}` (a variable, a capture or a counter), but not `$${name}`, which stands for the text itself. */
const VARIABLE = /(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g

/**
 * A position in a parsed YAML file, for validating it by hand: every failure names the file, the line and
 * what was expected there, e.g. `scenarios/echo.yaml:12: steps[2].send.client: expected one of a, b, got "c"`.
 * Strings are read with the file's variables filled in.
 */
export class YamlCursor {
  constructor(
    readonly node: Node | null | undefined,
    readonly path: string,
    private readonly source: YamlSource,
    private readonly fallbackLine = 1,
  ) {}

  get line(): number {
    const offset = this.node?.range?.[0]
    return offset === undefined ? this.fallbackLine : this.source.lines.linePos(offset).line
  }

  get present(): boolean {
    return this.node !== null && this.node !== undefined && !(isScalar(this.node) && this.node.value === null)
  }

  /** Refuses this node: `file:line: path: expected …, got …`, and a hint such as `did you mean …?`. */
  fail(expected: string, hint?: string): never {
    const got = this.present ? `, got ${describe(this.node!)}` : ''
    throw new SocklabError('SOCKLAB_SCENARIO_INVALID', `${this.source.file}:${this.line}: ${this.path}: expected ${expected}${got}${hint ? `; ${hint}` : ''}`)
  }

  isMap(): boolean {
    return isMap(this.node)
  }

  isSeq(): boolean {
    return isSeq(this.node)
  }

  /**
   * The entries of a map, refusing keys not in `allowed` (said as `expected`, with `hint(key)` after, such
   * as a near miss). Keys are suggested for near misses by default.
   */
  entries(allowed?: readonly string[], expected?: string): Map<string, YamlCursor> {
    if (!isMap(this.node)) this.fail(allowed ? `a map with ${allowed.join(', ')}` : 'a map')
    const out = new Map<string, YamlCursor>()
    for (const pair of this.node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : ''
      const keyCursor = this.child(pair.key as Node, `${this.path}.${key}`)
      if (allowed && !allowed.includes(key)) {
        const near = closest(key, allowed)
        keyCursor.fail(expected ?? `one of ${allowed.join(', ')} as a key here`, near ? `did you mean ${near}?` : undefined)
      }
      out.set(key, this.child(pair.value as Node | null, this.path ? `${this.path}.${key}` : key, keyCursor.line))
    }
    return out
  }

  items(): YamlCursor[] {
    if (!isSeq(this.node)) this.fail('a list')
    return this.node.items.map((item, index) => this.child(item as Node, `${this.path}[${index}]`))
  }

  string(): string {
    if (!isScalar(this.node) || typeof this.node.value !== 'string') this.fail('a string')
    return this.#filled(this.node.value)
  }

  /** A number, or a string that is one once its variables are filled in (`count: ${clients}`). */
  number(): number {
    if (isScalar(this.node) && typeof this.node.value === 'number') return this.node.value
    if (isScalar(this.node) && typeof this.node.value === 'string' && this.node.value.includes('${')) {
      const text = this.#filled(this.node.value).trim()
      if (text !== '' && Number.isFinite(Number(text))) return Number(text)
    }
    return this.fail('a number')
  }

  scalar(): string | number | boolean {
    if (!isScalar(this.node) || !['string', 'number', 'boolean'].includes(typeof this.node.value)) this.fail('a string or number')
    const value = this.node.value as string | number | boolean
    return typeof value === 'string' ? this.#filled(value) : value
  }

  oneOf<T extends string>(choices: readonly T[]): T {
    const value = isScalar(this.node) && typeof this.node.value === 'string' ? this.#filled(this.node.value) : undefined
    if (value === undefined || !choices.includes(value as T)) this.fail(`one of ${choices.join(', ')}`)
    return value as T
  }

  /** The text with the file's variables filled in; any other `${…}` is left as it is. */
  #filled(text: string): string {
    return text.replace(VARIABLE, (whole, name: string) => this.source.vars.get(name) ?? whole)
  }

  private child(node: Node | null | undefined, path: string, line = this.line): YamlCursor {
    return new YamlCursor(node, path, this.source, line)
  }
}

function describe(node: Node): string {
  if (isScalar(node)) return JSON.stringify(node.value)
  if (isMap(node)) return 'a map'
  if (isSeq(node)) return 'a list'
  return 'something else'
}
