/** What a scenario may refer to as `${client.field}`, learned when the client connects. */
export type ClientFacts = Map<string, { address: string; port: number; name?: string }>

/** The values `${…}` may take while a scenario runs: client facts, and captures and counters by name. */
export interface RunValues {
  facts: ClientFacts
  values: Map<string, string>
}

/** `${client.field}` or `${name}`, but not `$${…}`, which stands for the text `${…}`. */
const REFERENCE = /(\$?)\$\{(?:([a-z][a-z0-9_-]*)\.(address|port|name)|([A-Za-z_][A-Za-z0-9_]*))\}/g

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * Fills in `${client.address}`, `${client.port}`, `${client.name}` and `${name}` (a capture or a counter);
 * escapes them for a regex. The references were checked when the file was read; one without a value yet
 * (its client has not connected, its capture's step has not run) is an error here.
 */
export function fillTemplate(text: string, run: RunValues, forRegex = false): string {
  return text.replace(REFERENCE, (whole, dollar: string, client?: string, field?: 'address' | 'port' | 'name', name?: string) => {
    if (dollar) return whole.slice(1)
    const value = name !== undefined ? run.values.get(name) : run.facts.get(client!)?.[field!]
    if (value === undefined) {
      throw new Error(name !== undefined ? `\${${name}} has no value yet: its step has not run` : `\${${client}.${field}} is not known yet: has ${client} connected?`)
    }
    return forRegex ? escapeRegex(String(value)) : String(value)
  })
}

/** Like fillTemplate, for display: references without a value yet are left as written. */
export function fillKnown(text: string, run: RunValues): string {
  return text.replace(REFERENCE, (whole, dollar: string, client?: string, field?: 'address' | 'port' | 'name', name?: string) => {
    if (dollar) return whole
    const value = name !== undefined ? run.values.get(name) : run.facts.get(client!)?.[field!]
    return value === undefined ? whole : String(value)
  })
}
