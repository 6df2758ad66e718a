/// <reference lib="dom" />
import { existsSync } from 'node:fs'
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import puppeteer, { type Browser, type Page } from 'puppeteer-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT } from '../../src/index.js'
import { labCli, type LabCli } from '../helpers/labs.js'
import { SOCKLAB_BIN, spawnProcess } from '../helpers/processes.js'
import { SHIPPED_FILES } from '../helpers/scenarios.js'

/**
 * The lab dashboard in a real headless Chromium (Debian's `chromium`, or SOCKLAB_CHROMIUM), driven as a
 * person would: add four clients to a lab of three slots, connect them, see three slots taken and the
 * fourth turned away, reset one and see its slot freed, fetch a file over a slow link and see its progress
 * reach 100%; and the page's API refuses actions from another origin.
 */
const CHROMIUM = process.env.SOCKLAB_CHROMIUM ?? '/usr/bin/chromium'
const available = existsSync(CHROMIUM)
if (!available && process.env.CI === 'true') throw new Error(`no Chromium at ${CHROMIUM}: CI installs Debian's chromium (.ci/run)`)
if (!available) console.warn(`\n[socklab] no Chromium at ${CHROMIUM}: the dashboard browser test is not run (CI runs it)\n`)

describe.runIf(available)('the lab dashboard in headless Chromium', () => {
  let cli: LabCli
  let files: string
  let browser: Browser
  let url: string

  beforeAll(async () => {
    cli = await labCli()
    files = await mkdtemp(join(tmpdir(), 'socklab-dashboard-files-'))
    await cp(SHIPPED_FILES, files, { recursive: true })
    await writeFile(join(files, 'big.bin'), randomBytes(16 * 1024 * 1024))
    const up = await cli.run('up', '--target', 'local', '--name', 'dash', '--clients', '0', '--max-clients', '3', '--link', '{}', '--files', files, '--dashboard')
    expect(up.code, up.stderr).toBe(EXIT.OK)
    url = /^Dashboard: (\S+)$/m.exec(up.stdout)![1]!
    browser = await puppeteer.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless=new'] })
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    if (cli) {
      await cli.run('down', '--name', 'dash')
      await cli[Symbol.asyncDispose]()
    }
    if (files) await rm(files, { recursive: true, force: true })
  })

  const stateOf = (page: Page, client: string) => page.$eval(`#client-${client}`, (row) => (row as HTMLElement).dataset.state)
  const waitState = (page: Page, client: string, state: string) =>
    page.waitForFunction((c, s) => document.querySelector<HTMLElement>(`#client-${c}`)?.dataset.state === s, { timeout: 15_000 }, client, state)
  const click = (page: Page, selector: string) => page.$eval(selector, (button) => (button as HTMLButtonElement).click())

  it('fills three slots, turns the fourth client away, frees a slot on reset, and shows a transfer reach 100%', { timeout: 90_000 }, async () => {
    const page = await browser.newPage()
    const errors: string[] = []
    const requests: string[] = []
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warn') errors.push(message.text())
    })
    page.on('pageerror', (error) => errors.push(String(error)))
    page.on('request', (request) => requests.push(new URL(request.url()).origin))
    await page.setViewport({ width: 1400, height: 1000 })
    await page.goto(url, { waitUntil: 'load' })
    await page.waitForFunction(() => document.querySelector<HTMLElement>('#live')?.dataset.state === 'live')
    expect(await page.$eval('#slots', (list) => list.children.length)).toBe(3)

    for (let n = 1; n <= 4; n += 1) {
      await click(page, '#add-client')
      await page.waitForSelector(`#client-c${n}`)
    }
    for (const client of ['c1', 'c2', 'c3']) {
      await click(page, `#client-${client} .actions button[title^="connect"]`)
      await waitState(page, client, 'connected')
    }
    await click(page, '#client-c4 .actions button[title^="connect"]')
    await waitState(page, 'c4', 'rejected')
    await page.waitForFunction(() => document.querySelectorAll('#slots li.taken').length === 3)
    expect(await page.$eval('#client-c4 .state', (cell) => cell.textContent)).toBe('turned away')
    expect(await page.$$eval('#slots li.taken', (items) => items.map((item) => item.textContent))).toEqual([
      expect.stringMatching(/^Slot 1: takenClient01 \(c1\)127\.0\.0\.1:\d+$/),
      expect.stringMatching(/^Slot 2: takenClient02 \(c2\)/),
      expect.stringMatching(/^Slot 3: takenClient03 \(c3\)/),
    ])
    expect(await page.$eval('#answer', (answer) => answer.textContent)).toBe('c4 was turned away: Server is full. Try again later.')

    await click(page, '#client-c2 button[data-how="reset"]')
    await waitState(page, 'c2', 'disconnected')
    await page.waitForFunction(() => document.querySelector('#slots li[data-slot="2"]')?.classList.contains('free'))
    expect(await stateOf(page, 'c1')).toBe('connected')

    // A slow link for c1 (set from the command line, shown in its row), then a get from the page.
    expect((await cli.run('exec', '--name', 'dash', 'c1', 'link', '{bandwidth: 4MB/s}')).code).toBe(EXIT.OK)
    await page.waitForFunction(() => document.querySelector('#client-c1')?.textContent?.includes("4 MB/s"))
    await page.type('#client-c1 input[aria-label="file for c1 to get"]', 'big.bin')
    // Every percentage the page shows is noted as it is rendered (a busy machine may render the next one
    // before a poll would have looked): the transfer must be shown part-way before it is shown done.
    await page.evaluate(() => {
      const seen: number[] = []
      ;(window as unknown as { percentsShown: number[] }).percentsShown = seen
      new MutationObserver(() => {
        const percent = document.querySelector<HTMLElement>('#transfers li')?.dataset.percent
        if (percent !== undefined) seen.push(Number(percent))
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-percent'] })
    })
    await click(page, '#client-c1 button[title^="fetch"]')
    await page.waitForFunction(() => document.querySelector<HTMLElement>('#transfers li')?.dataset.state === 'done', { timeout: 30_000 })
    const shown = await page.evaluate(() => (window as unknown as { percentsShown: number[] }).percentsShown)
    expect(shown.some((percent) => percent > 0 && percent < 100), `percentages shown: ${shown.join(', ')}`).toBe(true)
    const transfer = await page.$eval('#transfers li', (item) => ({ text: item.textContent, value: item.querySelector('progress')!.value }))
    expect(transfer.value).toBe(100)
    expect(transfer.text).toMatch(/^c1 ← big\.bin: 100% of 16777216 bytes, sent at [\d.]+ MB\/s \(done\)/)
    await page.waitForFunction(() => document.querySelector('#answer')?.textContent?.startsWith('saved big.bin'), { timeout: 15_000 })

    const delays = await page.evaluate(() => (window as unknown as { socklabDashboard: { delays: number[] } }).socklabDashboard.delays)
    const sorted = [...delays].sort((a, b) => a - b)
    console.log(`[measure] dashboard update delay, server event to page: median ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted.at(-1)} ms over ${sorted.length} events`)
    expect(sorted.length).toBeGreaterThan(10)
    expect(errors, errors.join('\n')).toEqual([])
    expect(new Set(requests)).toEqual(new Set([new URL(url).origin]))
    await page.close()
  })

  it("refuses actions from another origin, from a Host that is not its own, and that are not JSON", async () => {
    const post = (headers: Record<string, string>) => fetch(new URL('/api/clients', url), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' })
    const foreign = await post({ origin: 'http://evil.example' })
    expect(foreign.status).toBe(403)
    expect(((await foreign.json()) as { error: string }).error).toBe("actions are taken only from the dashboard's own page, not from http://evil.example")
    expect((await post({ 'sec-fetch-site': 'cross-site' })).status).toBe(403)
    const form = await fetch(new URL('/api/clients', url), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=x' })
    expect(form.status).toBe(415)
    // DNS rebinding: a page of another name that resolves to 127.0.0.1 sends its own Host.
    const { request } = await import('node:http')
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(new URL('/api/status', url), { headers: { host: 'evil.example' } }, (res) => {
        res.resume()
        resolve(res.statusCode!)
      })
      req.on('error', reject)
      req.end()
    })
    expect(status).toBe(421)
    // The lab took none of these: no client was added.
    const view = JSON.parse((await cli.run('status', '--name', 'dash', '--json')).stdout) as { clients: unknown[] }
    expect(view.clients).toHaveLength(4)
  })
})

describe('socklab scenario run --dashboard', () => {
  it('shows the run on the dashboard as it happens: slots filling, the rejection, each step', { timeout: 60_000 }, async () => {
    await using run = spawnProcess('node', [SOCKLAB_BIN, 'scenario', 'run', 'four-client-overflow', '--target', 'local', '--dashboard'])
    run.child.stdin.end()
    await run.waitForOutput('Watch the run: ')
    const url = /Watch the run: (\S+) /.exec(run.stdout())![1]!
    // The run starts once the page follows its stream; every update is read until the run ends.
    const stream = await fetch(new URL('/api/events', url))
    const updates: Array<{ view: { slots: Array<{ holder?: unknown }> }; entries?: Array<{ source: string; text: string; event?: string }> }> = []
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader()
    let buffered = ''
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }))
      if (done) break
      buffered += value
      const messages = buffered.split('\n\n')
      buffered = messages.pop()!
      for (const message of messages) updates.push(JSON.parse(message.slice(message.indexOf('data: ') + 6)))
    }
    const finished = await run.exited
    expect(finished.code, finished.stderr).toBe(EXIT.OK)
    const entries = updates.flatMap((u) => u.entries ?? [])
    expect(entries.filter((e) => e.event === 'client_rejected')).toHaveLength(1)
    expect(entries.map((e) => e.text)).toEqual(expect.arrayContaining(['scenario four-client-overflow starts on the local target', expect.stringMatching(/^✓ connect d \(expect rejected\)/), 'scenario four-client-overflow passed']))
    expect(Math.max(...updates.map((u) => u.view.slots.filter((s) => s.holder).length))).toBe(3)
  })
})
