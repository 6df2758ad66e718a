/** What a scenario may refer to as `${client.field}`, learned when the client connects. */
export type ClientFacts = Map<string, { address: string; port: number; name?: string }>

const REFERENCE = /\$\{([a-z][a-z0-9_-]*)\.(address|port|name)\}/g

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Fills in `${client.address}`, `${client.port}` and `${client.name}`; escapes them for a regex. */
export function fillTemplate(text: string, facts: ClientFacts, forRegex = false): string {
  return text.replace(REFERENCE, (_, client: string, field: 'address' | 'port' | 'name') => {
    const known = facts.get(client)
    const value = known?.[field]
    if (value === undefined) throw new Error(`\${${client}.${field}} is not known yet: has ${client} connected?`)
    return forRegex ? escapeRegex(String(value)) : String(value)
  })
}
