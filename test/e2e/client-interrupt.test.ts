import { readdir } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { EXIT } from '../../src/index.js'
import { SOCKLAB_BIN, spawnProcess } from '../helpers/processes.js'
import { clientOnTerminal } from '../helpers/terminal.js'
import { startTestServer, writeRandomFile } from '../helpers/test-server.js'
import { startThrottleProxy } from '../helpers/throttle-proxy.js'

const SIZE = 24 * 1024 * 1024
/** 6 MB/s: the whole file takes about 4 s on the slow link, so a cancel lands while most is unsent. */
const RATE = 6_000_000
const HIDE_CURSOR = '\x1b[?25l'
const SHOW_CURSOR = '\x1b[?25h'

describe('Ctrl-C during a get', () => {
  it('at a terminal: cancels at once, says what arrived, removes the partial file, gives the cursor back, and the session carries on', async () => {
    await using t = await startTestServer()
    await writeRandomFile(t.files, 'big.bin', SIZE)
    await using link = await startThrottleProxy(t.port, RATE)
    const client = clientOnTerminal(['--port', String(link.port), '--download-dir', t.downloads])
    try {
      await client.waitFor(/You: /)
      client.type('get big.bin\r')
      await link.passed(1024 * 1024)
      const before = client.screen().length
      client.type('\x03')
      await client.waitFor(/Transfer of big\.bin cancelled \(\d+ of 25165824 received\)[\s\S]*You: /, before)
      // The prompt is back while most of the file has not crossed the link.
      expect(link.forwarded).toBeLessThan(SIZE / 2)
      const [, received] = /Transfer of big\.bin cancelled \((\d+) of/.exec(client.screen())!
      expect(Number(received)).toBeGreaterThan(0)
      expect(Number(received)).toBeLessThan(SIZE)
      expect(await readdir(t.downloads)).toEqual([])
      const screen = client.screen()
      expect(screen.lastIndexOf(SHOW_CURSOR)).toBeGreaterThan(screen.lastIndexOf(HIDE_CURSOR))
      expect(screen.lastIndexOf(HIDE_CURSOR)).toBeGreaterThan(-1)

      const mark = client.screen().length
      client.type('hello\r')
      await client.waitFor(/Server: hello ACK/, mark)
      client.type('exit\r')
      await client.waitFor(/Disconnected from server\./, mark)
      expect(await client.exited).toBe(EXIT.OK)
      await t.log.waitFor('client_disconnected', { reason: 'exit' })
      expect(await readdir(t.downloads)).toEqual([])
    } finally {
      client.kill()
    }
  })

  it('at the prompt: a Ctrl-C ends the session as the end of input does (exit 0)', async () => {
    await using t = await startTestServer()
    const client = clientOnTerminal(['--port', String(t.port)])
    try {
      await client.waitFor(/You: /)
      client.type('\x03')
      await client.waitFor(/Disconnected from server\./)
      expect(await client.exited).toBe(EXIT.OK)
    } finally {
      client.kill()
    }
  })

  it('scripted: SIGINT cancels the get, says what arrived, leaves no partial file, and exits 130', async () => {
    await using t = await startTestServer()
    await writeRandomFile(t.files, 'big.bin', SIZE)
    await using link = await startThrottleProxy(t.port, RATE)
    const client = spawnProcess('node', [SOCKLAB_BIN, 'client', '--port', String(link.port), '--download-dir', t.downloads, '-c', 'get big.bin'])
    await link.passed(1024 * 1024)
    client.child.kill('SIGINT')
    const run = await client.exited
    expect(run.code).toBe(EXIT.INTERRUPTED)
    expect(run.stdout).toMatch(/Transfer of big\.bin cancelled \(\d+ of 25165824 received\)/)
    expect(link.forwarded).toBeLessThan(SIZE / 2)
    expect(await readdir(t.downloads)).toEqual([])
  })
})
