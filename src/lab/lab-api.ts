import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { isIPv4 } from 'node:net'
import { join } from 'node:path'
import { isSocklabError, SocklabError } from '../errors/socklab-error.js'
import { LAB_ASSETS } from '../package/package-files.js'
import type { LabSource } from './lab-view.js'
import type { TimelineEntry } from './server-watch.js'
import { labGraph } from './lab-graph.js'

/** Whether a dashboard bound to `host` is reachable only from this machine. */
export const isLoopbackHost = (host: string): boolean => host === '127.0.0.1' || host === '::1' || host === 'localhost'

/** Largest request body the API reads (an action is a few dozen bytes). */
const MAX_BODY_BYTES = 16 * 1024
/** The dashboard's files, served from the package (nothing from a CDN). */
const ASSETS: Record<string, string> = {
  '/': 'index.html',
  '/dashboard.js': 'dashboard.js',
  '/dashboard.css': 'dashboard.css',
}
const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' }
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
}

export interface LabApi {
  server: Server
  url: string
  /** Resolves once a page (or any client) follows the live stream. */
  watched: Promise<void>
  close(): Promise<void>
}

/**
 * The owner's HTTP interface: the dashboard (one page and its script and style), the lab's state and a
 * live stream of its changes (server-sent events), and the actions (`POST /api/…`, JSON). Actions are taken
 * only from the page's own origin or from programs that send no Origin (the lab CLI), only as JSON (a form
 * on another site cannot send it without a preflight that is refused), and, on loopback, only for a Host
 * that names loopback (no DNS rebinding).
 */
export async function startLabApi(lab: LabSource, options: { host: string; port: number; onDown(): void }): Promise<LabApi> {
  const streams = new Set<ServerResponse>()
  let followed!: () => void
  const watched = new Promise<void>((resolve) => (followed = resolve))
  const loopback = isLoopbackHost(options.host)
  let port = options.port
  const hosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${hostPart(options.host)}:${port}`])

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const status = isSocklabError(error) ? 400 : 500
      if (!response.headersSent) send(response, status, { error: (error as Error).message, ...(isSocklabError(error) ? { code: error.code } : {}) })
      else response.destroy()
    })
  })

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://lab')
    if (loopback && !hosts().has(request.headers.host ?? '')) return send(response, 421, { error: `this lab answers only to ${[...hosts()].join(', ')}` })
    if (request.method === 'GET' || request.method === 'HEAD') {
      const asset = ASSETS[url.pathname]
      if (asset) return sendAsset(response, asset)
      if (url.pathname === '/api/status') return send(response, 200, { ...lab.view(), timeline: lab.watch.timeline.slice(-200) })
      if (url.pathname === '/api/graph') return send(response, 200, labGraph(lab.view()))
      if (url.pathname === '/api/events') return openStream(request, response)
      return send(response, 404, { error: `nothing at ${url.pathname}` })
    }
    if (request.method !== 'POST') return send(response, 405, { error: 'GET or POST' })
    // Same origin: the page's Origin names the host it was loaded from (on loopback, checked above).
    const origin = request.headers.origin
    if (origin !== undefined && origin !== `http://${request.headers.host}`) return send(response, 403, { error: `actions are taken only from the dashboard's own page, not from ${origin}` })
    if (request.headers['sec-fetch-site'] === 'cross-site') return send(response, 403, { error: 'actions are taken only from the dashboard\'s own page' })
    if (!/^application\/json\b/.test(request.headers['content-type'] ?? '')) return send(response, 415, { error: 'actions are JSON (content-type: application/json)' })
    const body = await readBody(request)
    switch (url.pathname) {
      case '/api/clients':
        return send(response, 200, { client: lab.addClient(optionalString(body.name)) })
      case '/api/exec': {
        const client = String(body.client ?? '')
        const words = Array.isArray(body.words) ? body.words.map(String) : String(body.command ?? '').split(/\s+/).filter(Boolean)
        return send(response, 200, await lab.exec(client, words))
      }
      case '/api/server':
        if (body.action !== 'restart') return send(response, 400, { error: 'the server action is restart' })
        await lab.restartServer()
        return send(response, 200, { ok: true })
      case '/api/down':
        send(response, 200, { ok: true })
        options.onDown()
        return
      default:
        return send(response, 404, { error: `no action at ${url.pathname}` })
    }
  }

  function openStream(request: IncomingMessage, response: ServerResponse): void {
    response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' })
    response.write(`event: snapshot\ndata: ${JSON.stringify({ view: lab.view(), timeline: lab.watch.timeline.slice(-200) })}\n\n`)
    streams.add(response)
    followed()
    request.once('close', () => streams.delete(response))
  }

  const onChange = (entries: TimelineEntry[]) => {
    if (streams.size === 0) return
    const message = `event: update\ndata: ${JSON.stringify({ view: lab.view(), entries })}\n\n`
    for (const stream of streams) stream.write(message)
  }
  lab.watch.on('change', onChange)

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => resolve())
  })
  port = (server.address() as { port: number }).port
  return {
    server,
    url: `http://${hostPart(options.host)}:${port}/`,
    watched,
    async close() {
      lab.watch.flush()
      lab.watch.off('change', onChange)
      for (const stream of streams) stream.end()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

const hostPart = (host: string) => (isIPv4(host) || !host.includes(':') ? host : `[${host}]`)

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json' })
  response.end(text)
}

async function sendAsset(response: ServerResponse, file: string): Promise<void> {
  const content = await readFile(join(LAB_ASSETS, 'dashboard', file))
  response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': TYPES[file.split('.').pop()!]! })
  response.end(content)
}

async function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0
  const chunks: Buffer[] = []
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) throw new SocklabError('SOCKLAB_CONFIG_INVALID', `a request body is at most ${MAX_BODY_BYTES} bytes`)
    chunks.push(chunk)
  }
  if (size === 0) return {}
  let value: unknown
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new SocklabError('SOCKLAB_CONFIG_INVALID', 'the request body is not JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SocklabError('SOCKLAB_CONFIG_INVALID', 'the request body is a JSON object')
  return value as Record<string, unknown>
}

const optionalString = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined)
