import { createServer, type Server, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalTarget, RemoteTarget, loadScenarios, loadServerSpec, parseScenario, runScenario, type ScenarioResult, type StepResult } from '../../src/index.js'
import { SOCKLAB_BIN, runProcess } from '../helpers/processes.js'
import { SHIPPED_FILES } from '../helpers/scenarios.js'

/**
 * Text and byte clients against servers that do not speak socklab's protocol: the Redis example suite against
 * this machine's redis-server, the chat room example against its good and its broken server, and each new
 * step's failure message against small TCP servers made here.
 */
const example = (path: string) => fileURLToPath(new URL(`../../examples/${path}`, import.meta.url))
const failedSteps = (result: ScenarioResult): StepResult[] => result.steps.flatMap((s) => [s, ...(s.children ?? [])]).filter((s) => s.verdict === 'failed')
const why = (result: ScenarioResult) => JSON.stringify({ error: result.error, failed: failedSteps(result) }, null, 2)

describe('the Redis example suite on the local target (a real redis-server)', () => {
  it('passes every scenario: PING, SET/GET with a capture, INCR from a group of 10, a reset mid-pipeline, maxclients 3', { timeout: 120_000 }, async () => {
    const scenarios = await loadScenarios(example('redis/scenarios'))
    const server = await loadServerSpec(example('redis/socklab-server.yaml'))
    const results: ScenarioResult[] = []
    for (const scenario of scenarios) results.push(await runScenario(scenario, new LocalTarget(SOCKLAB_BIN), { shippedFiles: SHIPPED_FILES, server }))
    expect(Object.fromEntries(results.map((r) => [r.name, r.verdict])), results.map(why).join('\n')).toEqual({
      'incr-crowd': 'passed',
      maxclients: 'passed',
      ping: 'passed',
      'reset-mid-pipeline': 'passed',
      'set-get': 'passed',
    })
    const turnedAway = results.find((r) => r.name === 'maxclients')!.steps.find((s) => s.label === 'connect d (expect rejected)')!
    expect(turnedAway.reason).toMatch(/^turned away from 127\.0\.0\.1:\d+: "-ERR max number of clients reached"$/)
    // The diagram shows each send and what came back, as text.
    const ping = results.find((r) => r.name === 'ping')!
    expect(ping.messages.map((m) => `${m.from}→${m.to}: ${m.text}`)).toEqual(['a→server: connect', 'server→a: connected', 'a→server: PING', 'server→a: +PONG', 'a→server: PING hello', 'server→a: $5 ⏎ hello', 'a→server: FIN (end of stream)'])
    const captured = results.find((r) => r.name === 'set-get')!.steps.find((s) => s.label === 'send b: GET owner')!
    expect(captured.reason).toMatch(/^captured owner=port-\d+$/)
  })
})

describe('the chat room example', () => {
  const chat = async (server: string) => {
    const spec = await loadServerSpec(example(`chat/${server}`))
    const results: ScenarioResult[] = []
    for (const scenario of await loadScenarios(example('chat/scenarios'))) results.push(await runScenario(scenario, new LocalTarget(SOCKLAB_BIN), { shippedFiles: SHIPPED_FILES, server: spec }))
    return results
  }

  it('passes against the good server', { timeout: 60_000 }, async () => {
    const results = await chat('good')
    expect(Object.fromEntries(results.map((r) => [r.name, r.verdict])), results.map(why).join('\n')).toEqual({ broadcast: 'passed', join: 'passed', leave: 'passed', 'room-full': 'passed' })
  })

  it('fails the broken one on its two mistakes, each with what was expected and what came', { timeout: 60_000 }, async () => {
    const results = await chat('broken')
    const byName = Object.fromEntries(results.map((r) => [r.name, r]))
    expect(Object.fromEntries(results.map((r) => [r.name, r.verdict])), results.map(why).join('\n')).toEqual({ broadcast: 'failed', join: 'passed', leave: 'failed', 'room-full': 'passed' })
    // It sends a message back to its sender.
    expect(failedSteps(byName.broadcast!)).toEqual([
      expect.objectContaining({ label: 'expect silence on alice for 200 ms', reason: 'alice received bytes during the 200 ms of silence', expected: 'nothing', actual: '"alice: hi all\\n"' }),
    ])
    // It never says who left.
    expect(failedSteps(byName.leave!)).toEqual([
      expect.objectContaining({ label: 'receive alice: "* carol left"', reason: 'alice: nothing matching within 3000 ms', expected: '"* carol left"', actual: 'nothing unread' }),
    ])
  })
})

/** A TCP server made here: `onConnection` is what it does with each client. */
async function tcpServer(onConnection: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => undefined)
    onConnection(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, port: (server.address() as { port: number }).port }
}

describe('text and byte steps against a server of its own (--target host:port)', () => {
  let echo: { server: Server; port: number }
  beforeAll(async () => {
    // Lines: PING → +PONG; BIN → two raw bytes; BIG → 3000 bytes in one write; QUIT → "bye" and FIN; RST → a reset;
    // CUT → "partial" with no line end, then FIN; WAIT → nothing.
    echo = await tcpServer((socket) => {
      let pending = ''
      socket.on('data', (chunk) => {
        pending += chunk.toString('latin1')
        for (let eol = pending.indexOf('\n'); eol >= 0; eol = pending.indexOf('\n')) {
          const line = pending.slice(0, eol).replace(/\r$/, '')
          pending = pending.slice(eol + 1)
          if (line === 'PING') socket.write('+PONG\r\n')
          else if (line === 'BIN') socket.write(Buffer.from([0xff, 0x00]))
          else if (line === 'BIG') socket.write(Buffer.alloc(3000, 'x'))
          else if (line === 'QUIT') socket.end('bye\n')
          else if (line === 'RST') socket.resetAndDestroy()
          else if (line === 'CUT') socket.end('partial')
        }
      })
    })
  })
  afterAll(() => echo.server.close())

  const run = async (yaml: string): Promise<ScenarioResult> =>
    runScenario(parseScenario(yaml, 'inline.yaml'), new RemoteTarget(SOCKLAB_BIN, '127.0.0.1', echo.port), { shippedFiles: SHIPPED_FILES })
  const only = (result: ScenarioResult) => {
    const failed = failedSteps(result)
    expect(failed, why(result)).toHaveLength(1)
    return failed[0]!
  }

  it('a mismatched reply gives the expected and the actual bytes, hex where they are not text', async () => {
    const step = only(await run('clients: { a: { protocol: bytes } }\nsteps:\n  - connect: a\n  - send: { client: a, bytes: "BIN\\n", expect: { bytes: "hex: ff 01" } }\n'))
    expect(step).toMatchObject({ reason: 'a: unexpected bytes', expected: 'hex: ff 01', actual: 'hex: ff 00' })
  })

  it('a mismatched line gives both lines', async () => {
    const step = only(await run('clients: { a: { protocol: text } }\nsteps:\n  - connect: a\n  - send: { client: a, text: PING, expect: { regex: "^\\\\+PANG$" } }\n'))
    expect(step).toMatchObject({ reason: 'a: unexpected line', expected: '/^\\+PANG$/', actual: '"+PONG"' })
  })

  it('a reply cut by the server closing says so, with what came', async () => {
    const step = only(await run('clients: { a: { protocol: text } }\nsteps:\n  - connect: a\n  - send: { client: a, text: CUT, expect: { lines: 2 } }\n'))
    expect(step).toMatchObject({ reason: 'a: the server closed the connection (FIN) before 2 lines came', expected: '2 lines', actual: '"partial", then the end of the connection' })
  })

  it('expect_closed tells FIN from RST, and fails on a connection that stays open', async () => {
    const fin = await run('clients: { a: { protocol: text } }\nsteps:\n  - connect: a\n  - send: { client: a, text: QUIT, expect: bye }\n  - expect_closed: { client: a, how: fin }\n')
    expect(fin.verdict, why(fin)).toBe('passed')
    expect(fin.steps[2]!.reason).toBe('the server closed the connection (FIN)')
    const rst = only(await run('clients: { a: { protocol: text } }\nsteps:\n  - connect: a\n  - send: { client: a, text: RST }\n  - expect_closed: { client: a, how: fin }\n'))
    expect(rst).toMatchObject({ reason: 'a: the server reset the connection (RST)', expected: 'FIN', actual: 'RST' })
    const open = only(await run('clients: { a: { protocol: text } }\nsteps:\n  - connect: a\n  - send: { client: a, text: WAIT }\n  - expect_closed: { client: a, timeout: 300ms }\n'))
    expect(open).toMatchObject({ reason: 'a is still connected after 300 ms', expected: 'closed by the server', actual: 'open; nothing unread' })
  })

  it('expect_silence passes on a quiet server and fails with the bytes that came', async () => {
    const quiet = await run('clients: { a: { protocol: text } }\nsteps:\n  - connect: a\n  - send: { client: a, text: WAIT }\n  - expect_silence: { client: a, for: 200ms }\n')
    expect(quiet.verdict, why(quiet)).toBe('passed')
    const loud = only(await run('clients: { a: { protocol: text, eol: crlf } }\nsteps:\n  - connect: a\n  - send: { client: a, text: PING }\n  - expect_silence: { client: a, for: 2s }\n'))
    expect(loud).toMatchObject({ reason: 'a received bytes during the 2000 ms of silence', expected: 'nothing', actual: '"+PONG\\r\\n"' })
  })

  it('expect: rejected fails against a server that keeps the client, saying what it waited for', async () => {
    const step = only(await run('clients: { a: { protocol: text, rejected_when: "FULL" } }\nsteps:\n  - connect: { client: a, expect: rejected, timeout: 2s }\n'))
    expect(step).toMatchObject({ reason: 'a was admitted: still connected after 2000 ms', expected: 'rejected', actual: 'no close, and nothing matching /FULL/; received nothing' })
  })

  it('socklab client --mode raw is a plain TCP client: lines typed or given are sent, what comes is printed', async () => {
    const typed = await runProcess('node', [SOCKLAB_BIN, 'client', '--mode', 'raw', '--port', String(echo.port)], 'PING\nQUIT\n')
    expect([typed.code, typed.stdout]).toEqual([0, '+PONG\r\nbye\n'])
    const given = await runProcess('node', [SOCKLAB_BIN, 'client', '--mode', 'raw', '--port', String(echo.port), '-c', 'PING', '-c', 'QUIT'], '')
    expect([given.code, given.stdout]).toEqual([0, '+PONG\r\nbye\n'])
    // A reset by the server is exit 4, as a lost connection is for the other modes.
    const reset = await runProcess('node', [SOCKLAB_BIN, 'client', '--mode', 'raw', '--port', String(echo.port), '-c', 'RST'], '')
    expect(reset.code).toBe(4)
  })

  it('a network reset reaches a text client as the server\'s RST; what no step read is drawn at the end', async () => {
    const result = await run('clients: { a: { protocol: text } }\nsteps:\n  - connect: a\n  - send: { client: a, text: PING, expect: "+PONG" }\n  - network: { client: a, action: reset }\n  - expect_closed: { client: a, how: rst }\n')
    expect(result.verdict, why(result)).toBe('passed')
    const unread = await run('clients: { a: { protocol: text } }\nsteps:\n  - connect: a\n  - send: { client: a, text: PING }\n  - send: { client: a, text: QUIT, expect: { regex: "PONG" } }\n  - expect_closed: a\n')
    expect(unread.verdict, why(unread)).toBe('passed')
    expect(unread.steps[3]!.reason).toBe('the server closed the connection (FIN) after "bye\\n" unread')
  })

  it('a group of text clients is counted: admitted, and turned away by a close or by what the server says', async () => {
    let inside = 0
    const room = await tcpServer((socket) => {
      if (inside >= 2) return void (inside % 2 === 0 ? socket.end('FULL\n') : socket.end())
      inside += 1
    })
    try {
      const scenario = parseScenario('clients: { crowd: { count: 4, protocol: text, rejected_when: "^FULL" } }\nsteps:\n  - connect: { group: crowd, admitted: 2, rejected: 2 }\n', 'inline.yaml')
      const result = await runScenario(scenario, new RemoteTarget(SOCKLAB_BIN, '127.0.0.1', room.port), { shippedFiles: SHIPPED_FILES })
      expect(result.verdict, why(result)).toBe('passed')
      expect(result.steps[0]!.reason).toBe('2 admitted, 2 turned away')
      const wrong = parseScenario('clients: { crowd: { count: 2, protocol: text } }\nsteps:\n  - connect: { group: crowd, rejected: 1, timeout: 1s }\n', 'inline.yaml')
      inside = 0
      const failed = await runScenario(wrong, new RemoteTarget(SOCKLAB_BIN, '127.0.0.1', room.port), { shippedFiles: SHIPPED_FILES })
      expect(failed.steps[0]).toMatchObject({ verdict: 'failed', expected: '1 admitted, 1 turned away', actual: '2 admitted, 0 turned away' })
    } finally {
      room.server.close()
    }
  })

  it('a reply split by a slicer link into many segments is matched whole', async () => {
    const result = await run(
      'clients: { a: { protocol: bytes, link: { down: { slicer: { size: 7, variation: 3, delay: 1ms } } } } }\nsteps:\n  - connect: a\n  - send: { client: a, bytes: "BIG\\n", expect: { regex: "^x{3000}$" } }\n  - send: { client: a, bytes: "PING\\n", expect: { bytes: "+PONG\\r\\n" } }\n',
    )
    expect(result.verdict, why(result)).toBe('passed')
    expect(result.messages.find((m) => m.from === 'server' && m.text.startsWith('"xxx'))?.text).toMatch(/… \(3000 bytes\)$/)
  })
})
