import { SocklabError } from '../errors/socklab-error.js'

/** An option that takes a whole number of at least `min`, or a clear error naming it. */
export function wholeNumber(value: unknown, option: string, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `${option} takes a whole number, ${min} or more, not ${String(value)}`)
  return value
}
