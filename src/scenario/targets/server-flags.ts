import type { ScenarioServerOptions } from '../scenario.js'

/** A scenario's server options as `socklab server` flags. */
export function serverFlags(options: ScenarioServerOptions): string[] {
  return Object.entries(options).flatMap(([name, value]) => [`--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, String(value)])
}
