import { randomBytes } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { EXIT, FrameType } from '../../src/index.js'
import { sha256, startHostileServer, WELCOME, type HostileConnection } from '../helpers/hostile-server.js'
import { SOCKLAB_BIN, runProcess, spawnProcess } from '../helpers/processes.js'
import { clientOnTerminal } from '../helpers/terminal.js'

/** `socklab client` against the hostile server, scripted with `-c`, run to the end. */
function client(port: number, downloads: string, args: string[], input = '') {
  return runProcess(process.execPath, [SOCKLAB_BIN, 'client', '--port', String(port), '--download-dir', downloads, ...args], input)
}

/** A framed server that answers the first command with `answer` and then honest replies. */
async function framedAnswering(answer: (c: HostileConnection, command: string) => Promise<void> | void) {
  return startHostileServer(async (c) => {
    await c.hello()
    c.welcome()
    await answer(c, await c.command())
    for (;;) {
      const command = await c.command()
      if (command === 'exit') {
        c.frame(FrameType.BYE, { reason: 'exit', message: 'goodbye' })
        c.socket.end()
        return
      }
      c.frame(FrameType.REPLY, `${command} ACK`)
    }
  })
}

const FILE = randomBytes(4000)
const NO_STACK = /^\s+at /m

describe('a get that saves no file exits 6, and leaves nothing behind (framed mode)', () => {
  it('control: an honest file is saved, verified, exit 0', async () => {
    await using s = await framedAnswering((c) => c.file('f.bin', FILE))
    const run = await client(s.port, s.downloads, ['-c', 'get f.bin'])
    expect(run.code, run.stderr).toBe(EXIT.OK)
    expect(run.stdout).toContain(`saved f.bin (4000 bytes, sha256 ${sha256(FILE)})`)
    expect(run.stdout).not.toContain('not verified')
    expect(await readFile(join(s.downloads, 'f.bin'))).toEqual(FILE)
    expect(await s.leftovers()).toEqual(['f.bin'])
  })

  it.each([
    ['the file shrinks while being sent (ERROR READ_FAILED mid-transfer)', (c: HostileConnection) => {
      c.frame(FrameType.FILE_START, { name: 'f.bin', size: 4000, sha256: sha256(FILE) })
      c.frame(FrameType.FILE_DATA, FILE.subarray(0, 1500))
      c.frame(FrameType.ERROR, { code: 'READ_FAILED', message: 'file shrank while being sent (1500 of 4000 bytes)' })
    }],
    ['a refusal (ERROR FILE_NOT_FOUND)', (c: HostileConnection) => void c.frame(FrameType.ERROR, { code: 'FILE_NOT_FOUND', message: 'File not found' })],
    ['a text reply in place of the file', (c: HostileConnection) => void c.frame(FrameType.REPLY, 'here it is, trust me')],
    ['a short transfer (FILE_END early)', (c: HostileConnection) => {
      c.frame(FrameType.FILE_START, { name: 'f.bin', size: 4000, sha256: sha256(FILE) })
      c.frame(FrameType.FILE_DATA, FILE.subarray(0, 3999))
      c.frame(FrameType.FILE_END)
    }],
    ['a hash that does not match', (c: HostileConnection) => c.file('f.bin', FILE, { sha256: sha256(Buffer.from('other')) })],
    ['a FILE_START without sha256', (c: HostileConnection) => c.file('f.bin', FILE, { sha256: undefined })],
    ['a FILE_START without size and hash', (c: HostileConnection) => c.file('f.bin', FILE, { size: undefined, sha256: undefined })],
    ['a FILE_START of {}', (c: HostileConnection) => {
      c.frame(FrameType.FILE_START, {})
      c.frame(FrameType.FILE_DATA, FILE)
      c.frame(FrameType.FILE_END)
    }],
    ['a negative size', (c: HostileConnection) => c.file('f.bin', FILE, { size: -1 })],
    ['a sha256 that is not 64 hex digits', (c: HostileConnection) => c.file('f.bin', FILE, { sha256: 'abc' })],
  ])('%s', async (_, answer) => {
    await using s = await framedAnswering(answer)
    const run = await client(s.port, s.downloads, ['-c', 'get f.bin', '-c', 'after'])
    expect(run.code, run.stdout + run.stderr).toBe(EXIT.TRANSFER_FAILED)
    expect(run.stderr).not.toMatch(NO_STACK)
    // The session carried on: the next command was answered.
    expect(run.stdout).toContain('Server: after ACK')
    expect(run.stdout).not.toMatch(/saved f\.bin/)
    expect(await s.leftovers()).toEqual([])
  })

  it('a server that announces 1,152 bytes and streams on: the get fails at the first byte too many, the disk holds at most 1,152', async () => {
    let sent = 0
    await using s = await framedAnswering(async (c) => {
      c.frame(FrameType.FILE_START, { name: 'f.bin', size: 1152, sha256: sha256(FILE) })
      const chunk = randomBytes(64 * 1024)
      // Streams until the client hangs up: 256 MiB at most, so a client that never does still ends the test.
      while (!c.socket.destroyed && sent < 256 * 1024 * 1024) {
        sent += chunk.length
        if (!c.frame(FrameType.FILE_DATA, chunk)) await Promise.race([new Promise((r) => c.socket.once('drain', r)), c.closed])
      }
    })
    const run = await client(s.port, s.downloads, ['-c', 'get f.bin'])
    expect(run.code, run.stdout + run.stderr).toBe(EXIT.TRANSFER_FAILED)
    expect(run.stderr).toMatch(/more than the 1152 bytes announced/)
    expect(sent).toBeLessThan(64 * 1024 * 1024)
    expect(await s.leftovers()).toEqual([])
  })
})

describe('frames that make no sense are a protocol error: exit 5, one line, nothing left', () => {
  it.each([
    ['a REPLY in the middle of a transfer', 'get f.bin', (c: HostileConnection) => {
      c.frame(FrameType.FILE_START, { name: 'f.bin', size: 4000, sha256: sha256(FILE) })
      c.frame(FrameType.FILE_DATA, FILE.subarray(0, 100))
      c.frame(FrameType.REPLY, 'surprise')
    }],
    ['a file in answer to status', 'status', (c: HostileConnection) => c.file('us', FILE)],
    ['a file in answer to an echo', 'hello', (c: HostileConnection) => c.file('hello', FILE)],
    ['FILE_DATA without FILE_START', 'get f.bin', (c: HostileConnection) => void c.frame(FrameType.FILE_DATA, FILE)],
    ['FILE_START twice', 'get f.bin', (c: HostileConnection) => {
      c.frame(FrameType.FILE_START, { name: 'f.bin', size: 4000, sha256: sha256(FILE) })
      c.frame(FrameType.FILE_START, { name: 'f.bin', size: 4000, sha256: sha256(FILE) })
    }],
    ['a FILE_START that is a bare number', 'get f.bin', (c: HostileConnection) => void c.frame(FrameType.FILE_START, 42)],
    ['a FILE_START that is not JSON', 'get f.bin', (c: HostileConnection) => void c.frame(FrameType.FILE_START, '{"size": 4')],
    ['an ERROR frame that is null', 'get f.bin', (c: HostileConnection) => void c.frame(FrameType.ERROR, null)],
    ['an ERROR frame whose code is not a code', 'get f.bin', (c: HostileConnection) => void c.frame(FrameType.ERROR, { code: '\u001b[2J', message: 'x' })],
    ['a frame of an unknown type', 'hello', (c: HostileConnection) => void c.frame(0x99, 'x')],
    ['a client-side frame type', 'hello', (c: HostileConnection) => void c.frame(FrameType.COMMAND, 'x')],
    ['a second WELCOME', 'hello', (c: HostileConnection) => c.welcome()],
    ['a frame longer than the reply limit', 'hello', (c: HostileConnection) => void c.raw(Buffer.from([FrameType.REPLY, 0xff, 0xff, 0xff, 0xff]))],
  ])('%s', async (_, command, answer) => {
    await using s = await framedAnswering(answer)
    const run = await client(s.port, s.downloads, ['-c', command])
    expect(run.code, run.stdout + run.stderr).toBe(EXIT.PROTOCOL)
    expect(run.stderr.trim().split('\n')).toHaveLength(1)
    expect(run.stderr).not.toMatch(NO_STACK)
    expect(await s.leftovers()).toEqual([])
  })

  it('a 250-byte name is saved: the temporary name fits whatever the final name is', async () => {
    const name = `${'n'.repeat(246)}.bin`
    await using s = await framedAnswering((c) => c.file(name, FILE))
    const run = await client(s.port, s.downloads, ['-c', `get ${name}`])
    expect(run.code, run.stderr).toBe(EXIT.OK)
    expect((await stat(join(s.downloads, name))).size).toBe(4000)
  })
})

describe('a malformed WELCOME is a protocol error with a one-line reason (exit 5), never a crash', () => {
  it.each([
    ['truncated JSON', (c: HostileConnection) => void c.frame(FrameType.WELCOME, '{"protocol": "sock')],
    ['null', (c: HostileConnection) => void c.frame(FrameType.WELCOME, 'null')],
    ['a bare string', (c: HostileConnection) => void c.frame(FrameType.WELCOME, '"socklab"')],
    ['no client name', (c: HostileConnection) => c.welcome({ ...WELCOME, client: undefined })],
    ['a client name with an escape sequence', (c: HostileConnection) => c.welcome({ ...WELCOME, client: 'Client01\u001b[2J' })],
    ['a version this client does not speak', (c: HostileConnection) => c.welcome({ ...WELCOME, version: 2 })],
    ['random bytes after the WELCOME type byte', (c: HostileConnection) => void c.raw(Buffer.concat([Buffer.from([FrameType.WELCOME, 0, 0, 0, 8]), randomBytes(8)]))],
    // Fixed bytes, not random ones: a random first byte could be a WELCOME header or the start of "Server is full".
    ['bytes that are no answer at all', (c: HostileConnection) => void c.raw(Buffer.from(`9f${'a5c3'.repeat(31)}`, 'hex'))],
  ])('%s', async (_, welcome) => {
    await using s = await startHostileServer(async (c) => {
      await c.hello()
      welcome(c)
    })
    const run = await client(s.port, s.downloads, ['-c', 'hello'])
    expect(run.code, run.stdout + run.stderr).toBe(EXIT.PROTOCOL)
    expect(run.stderr.trim().split('\n')).toHaveLength(1)
    expect(run.stderr).not.toMatch(NO_STACK)
    expect(run.stderr).not.toContain('\u001b')

    // The same in --json agent mode (what scenario runs use): a `failed` event with the reason, exit 5.
    const agent = await client(s.port, s.downloads, ['--json'], '')
    expect(agent.code, agent.stdout + agent.stderr).toBe(EXIT.PROTOCOL)
    const events = agent.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; code?: string })
    expect(events).toEqual([expect.objectContaining({ type: 'failed', code: 'SOCKLAB_PROTOCOL_ERROR' })])
    expect(agent.stderr).toBe('')
  })

  it('in --json agent mode a bad frame mid-session is an error event and exit 5', async () => {
    await using s = await framedAnswering((c) => void c.frame(FrameType.FILE_START, 42))
    const agent = await client(s.port, s.downloads, ['--json'], `${JSON.stringify({ command: 'get f.bin' })}\n`)
    expect(agent.code, agent.stdout + agent.stderr).toBe(EXIT.PROTOCOL)
    expect(agent.stdout).toContain('"code":"SOCKLAB_PROTOCOL_ERROR"')
  })

  it('in --json agent mode a get that saves no file makes the exit code 6', async () => {
    await using s = await framedAnswering((c) => void c.frame(FrameType.ERROR, { code: 'FILE_NOT_FOUND', message: 'File not found' }))
    const agent = await client(s.port, s.downloads, ['--json'], `${JSON.stringify({ command: 'get f.bin' })}\n`)
    expect(agent.code, agent.stdout + agent.stderr).toBe(EXIT.TRANSFER_FAILED)
  })
})

describe('a server that stops or goes silent mid-transfer: no temporary file outlives the get', () => {
  it('silent after 100 bytes: the reply timeout ends the get (exit 4) and removes the partial file', async () => {
    let silent!: () => void
    const wentSilent = new Promise<void>((resolve) => (silent = resolve))
    await using s = await framedAnswering(async (c) => {
      c.frame(FrameType.FILE_START, { name: 'f.bin', size: 40_000_000, sha256: sha256(FILE) })
      c.frame(FrameType.FILE_DATA, FILE.subarray(0, 100))
      silent()
      await c.closed
    })
    const run = await client(s.port, s.downloads, ['-c', 'get f.bin', '--reply-timeout-ms', '500'])
    await wentSilent
    expect(run.code, run.stdout + run.stderr).toBe(EXIT.CONNECTION_LOST)
    expect(run.stderr).toMatch(/no reply within 500 ms/)
    expect(await s.leftovers()).toEqual([])
  })

  it('a slow server that is never quiet for the reply timeout is waited for: 1.5 s of 150 ms gaps, timeout 500 ms, saved', async () => {
    await using s = await framedAnswering(async (c) => {
      c.frame(FrameType.FILE_START, { name: 'f.bin', size: FILE.length, sha256: sha256(FILE) })
      // The pacing is what is tested: every gap is well inside the timeout, the whole far beyond it.
      for (let at = 0; at < FILE.length; at += 400) {
        await delay(150)
        c.frame(FrameType.FILE_DATA, FILE.subarray(at, at + 400))
      }
      c.frame(FrameType.FILE_END)
    })
    const run = await client(s.port, s.downloads, ['-c', 'get f.bin', '--reply-timeout-ms', '500'])
    expect(run.code, run.stdout + run.stderr).toBe(EXIT.OK)
    expect(await readFile(join(s.downloads, 'f.bin'))).toEqual(FILE)
  })

  it('the server process goes away mid-transfer: exit 4, nothing left', async () => {
    await using s = await framedAnswering((c) => {
      c.frame(FrameType.FILE_START, { name: 'f.bin', size: 4000, sha256: sha256(FILE) })
      c.frame(FrameType.FILE_DATA, FILE.subarray(0, 100))
      c.socket.destroy()
    })
    const run = await client(s.port, s.downloads, ['-c', 'get f.bin'])
    expect(run.code, run.stdout + run.stderr).toBe(EXIT.CONNECTION_LOST)
    expect(await s.leftovers()).toEqual([])
  })
})

describe('compatible mode (the original protocol: no length, no hash)', () => {
  /** A compatible-only server: echoes the hello, answers `get` with `answer`, anything else with `<text> ACK`. */
  const compatServer = (answer: (c: HostileConnection) => void) =>
    startHostileServer(async (c) => {
      for (;;) {
        const command = await c.command()
        if (command === 'exit') return void c.socket.end()
        if (command.startsWith('get ')) answer(c)
        else c.raw(`${command} ACK`)
      }
    })

  it('a file received whole is saved with a "not verified" note, exit 0', async () => {
    await using s = await compatServer((c) => void c.raw(FILE))
    const run = await client(s.port, s.downloads, ['-c', 'get f.bin'])
    expect(run.code, run.stderr).toBe(EXIT.OK)
    expect(run.stdout).toMatch(/saved f\.bin \(4000 bytes, .*not verified/)
    expect(await readFile(join(s.downloads, 'f.bin'))).toEqual(FILE)
  })

  it('"File not found" makes the exit code 6', async () => {
    await using s = await compatServer((c) => void c.raw('File not found'))
    const run = await client(s.port, s.downloads, ['-c', 'get f.bin', '-c', 'after'])
    expect(run.code, run.stdout + run.stderr).toBe(EXIT.TRANSFER_FAILED)
    expect(run.stdout).toContain('Server: after')
    expect(await s.leftovers()).toEqual([])
  })

  it('a file larger than --max-download-bytes is refused and removed (exit 6)', async () => {
    await using s = await compatServer((c) => void c.raw(FILE))
    const run = await client(s.port, s.downloads, ['-c', 'get f.bin', '--max-download-bytes', '1024'])
    expect(run.code, run.stdout + run.stderr).toBe(EXIT.TRANSFER_FAILED)
    expect(run.stderr).toMatch(/more than 1024 bytes/)
    expect(await s.leftovers()).toEqual([])
  })

  it('bytes the server pushes unasked are bounded by --max-reply-length: the client hangs up (exit 5)', async () => {
    let pushed = 0
    await using s = await startHostileServer(async (c) => {
      const chunk = randomBytes(64 * 1024)
      while (!c.socket.destroyed && pushed < 256 * 1024 * 1024) {
        pushed += chunk.length
        if (!c.raw(chunk)) await Promise.race([new Promise((r) => c.socket.once('drain', r)), c.closed])
      }
    })
    // No command is sent: the client waits on its input, held open, while the server floods it.
    await using spawned = spawnProcess(process.execPath, [SOCKLAB_BIN, 'client', '--mode', 'compat', '--port', String(s.port), '--max-reply-length', '65536'])
    const run = await spawned.exited
    expect(run.code, run.stdout + run.stderr).toBe(EXIT.PROTOCOL)
    expect(run.stderr).toMatch(/sent more than 65536 bytes without being asked/)
    expect(pushed).toBeLessThan(64 * 1024 * 1024)
  })
})

describe('what a server sends reaches a terminal escaped', () => {
  const EVIL = '\u001b[2J\u001b]0;owned\u0007done\rYou: '

  it('on a terminal, control characters other than newline and tab are shown as escapes', async () => {
    await using s = await framedAnswering((c) => void c.frame(FrameType.REPLY, `${EVIL}\tand\nmore`))
    const terminal = clientOnTerminal(['--port', String(s.port), '--download-dir', s.downloads])
    try {
      await terminal.waitFor(/You: /)
      terminal.type('hello\r')
      const screen = await terminal.waitFor(/and\r?\nmore/)
      expect(screen).toContain('Server: \\x1b[2J\\x1b]0;owned\\x07done\\x0dYou: \tand')
      expect(screen).not.toContain('\u001b]0;owned')
      expect(screen).not.toContain('\u001b[2J')
      terminal.type('exit\r')
      expect(await terminal.exited).toBe(EXIT.OK)
    } finally {
      terminal.kill()
    }
  })

  it('to a pipe or file, replies pass through as sent (a program reading them gets the bytes)', async () => {
    await using s = await framedAnswering((c) => void c.frame(FrameType.REPLY, EVIL))
    const run = await client(s.port, s.downloads, ['-c', 'hello'])
    expect(run.stdout).toContain(`Server: ${EVIL}`)
  })
})
