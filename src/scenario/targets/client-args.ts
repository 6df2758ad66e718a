import type { ScenarioClient } from '../scenario.js'

/** How often a retrying client tries again (a scenario sets how many times with `retry`). */
export const RETRY_DELAY_MS = 200

/** A scenario client's settings as `socklab client` flags. */
export function clientArgs(client: ScenarioClient): string[] {
  const retry = client.retry > 0 ? ['--retry', String(client.retry), '--retry-delay-ms', String(RETRY_DELAY_MS)] : []
  const timeout = client.replyTimeoutMs !== undefined ? ['--reply-timeout-ms', String(client.replyTimeoutMs)] : []
  return ['--mode', client.protocol === 'socklab' ? client.mode : 'raw', ...retry, ...timeout]
}
