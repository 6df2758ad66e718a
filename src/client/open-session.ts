import { setTimeout as delay } from 'node:timers/promises'
import type { ClientOptions } from '../config/client-options.js'
import { SocklabError, isSocklabError } from '../errors/socklab-error.js'
import { CompatSession } from './compat-session.js'
import { connectSocket } from './connect-socket.js'
import { FramedSession } from './framed-session.js'
import { handshake } from './handshake.js'
import type { Session } from './reply.js'

/**
 * Connects and settles the mode. A full or unreachable server is tried again only when `retry` asks for it
 * (off by default, so a rejected client says so and exits at once).
 */
/** How often a server that is not up yet is tried while waiting for it. */
const WAIT_STEP_MS = 250

export interface OpenHooks {
  /** Told about each failed attempt that will be tried again. */
  onRetry?(error: SocklabError): void
  /** Told once, when the server is not up and is waited for (--wait-for-server-ms). */
  onWaiting?(error: SocklabError): void
  /** Told this side's address of each TCP connection made, before the handshake (what the server sees). */
  onConnected?(local: { address: string; port: number }): void
}

export async function openSession(options: Readonly<ClientOptions>, hooks: OpenHooks = {}): Promise<Session> {
  return connectTrying(options, () => openOnce(options, hooks), hooks)
}

/**
 * Runs `once` (a connection, and whatever settles it) until it succeeds: a server that is not up yet is
 * waited for (--wait-for-server-ms), and a full or unreachable one tried again (--retry), as every mode does.
 */
export async function connectTrying<T>(options: Readonly<ClientOptions>, once: () => Promise<T>, hooks: OpenHooks = {}): Promise<T> {
  const waitUntil = performance.now() + options.waitForServerMs
  let waiting = false
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await once()
    } catch (error) {
      // A server that is not up yet is waited for (--wait-for-server-ms), without counting as a retry: only a
      // connection that never got through, never a server that answered "full".
      if (isSocklabError(error, 'SOCKLAB_CONNECT_FAILED') && performance.now() < waitUntil) {
        if (!waiting) hooks.onWaiting?.(error)
        waiting = true
        attempt -= 1
        await delay(Math.min(WAIT_STEP_MS, Math.max(0, waitUntil - performance.now())))
        continue
      }
      const retryable = isSocklabError(error, 'SOCKLAB_SERVER_FULL') || isSocklabError(error, 'SOCKLAB_CONNECT_FAILED')
      if (!retryable || attempt >= options.retry) throw error
      hooks.onRetry?.(error)
      await delay(options.retryDelayMs)
    }
  }
}

async function openOnce(options: Readonly<ClientOptions>, hooks: OpenHooks): Promise<Session> {
  const socket = await connectSocket(options.host, options.port, options.connectTimeoutMs)
  hooks.onConnected?.({ address: (socket.localAddress ?? '').replace(/^::ffff:/, ''), port: socket.localPort ?? 0 })
  const sessionOptions = {
    downloadDir: options.downloadDir,
    replyTimeoutMs: options.replyTimeoutMs,
    quietMs: options.compatQuietMs,
    maxReplyLength: options.maxReplyLength,
    maxDownloadBytes: options.maxDownloadBytes,
  }
  if (options.mode === 'compat') return new CompatSession(socket, sessionOptions)
  const result = await handshake(socket, options.handshakeTimeoutMs)
  if (result.mode === 'compat') {
    if (options.mode === 'framed') {
      socket.destroy()
      throw new SocklabError('SOCKLAB_HANDSHAKE_FAILED', 'the server does not offer framed mode')
    }
    return new CompatSession(socket, sessionOptions)
  }
  return new FramedSession(socket, result.welcome, result.rest, sessionOptions)
}
