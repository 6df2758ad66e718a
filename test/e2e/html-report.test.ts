/// <reference lib="dom" />
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import puppeteer, { type Browser } from 'puppeteer-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT } from '../../src/index.js'
import { SOCKLAB_BIN, runProcess } from '../helpers/processes.js'

/**
 * The HTML report opened in a real headless Chromium (the system's: Debian's `chromium` package, or
 * SOCKLAB_CHROMIUM), as a person would open the file: it must render offline, with no request but its own
 * file, no console error, its diagrams drawn as SVG, and the failure's reason on screen.
 */
const CHROMIUM = process.env.SOCKLAB_CHROMIUM ?? '/usr/bin/chromium'
const WRONG = fileURLToPath(new URL('../fixtures/scenarios/wrong-expectation.yaml', import.meta.url))
const available = existsSync(CHROMIUM)
if (!available && process.env.CI === 'true') throw new Error(`no Chromium at ${CHROMIUM}: CI installs Debian's chromium (.ci/run)`)
if (!available) console.warn(`\n[socklab] no Chromium at ${CHROMIUM}: the HTML report browser test is not run (CI runs it)\n`)

describe.runIf(available)('the HTML report in headless Chromium', () => {
  let dir: string
  let browser: Browser
  let html: string
  let json: { summary: unknown; scenarios: Array<{ name: string; failure: string | null; timeline: unknown[] }> }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'socklab-html-'))
    const run = await runProcess(
      'node',
      [SOCKLAB_BIN, 'scenario', 'run', 'echo', 'crowd', WRONG, '--target', 'local', '--report', `html=${join(dir, 'report.html')}`, '--report', `json=${join(dir, 'report.json')}`],
      '',
    )
    expect(run.code, run.stdout + run.stderr).toBe(EXIT.SCENARIO_FAILED)
    html = await readFile(join(dir, 'report.html'), 'utf8')
    json = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'))
    browser = await puppeteer.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless=new'] })
  }, 90_000)

  afterAll(async () => {
    await browser?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('renders with no request but its own file and no console error; every diagram is an SVG drawn in the page', async () => {
    const page = await browser.newPage()
    const requests: string[] = []
    const errors: string[] = []
    page.on('request', (request) => requests.push(request.url()))
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warn') errors.push(message.text())
    })
    page.on('pageerror', (error) => errors.push(String(error)))
    const url = `file://${join(dir, 'report.html')}`
    await page.goto(url, { waitUntil: 'load' })
    expect(requests).toEqual([url])
    expect(errors).toEqual([])
    const diagrams = await page.$$eval('svg.sequence', (svgs) =>
      svgs.map((svg) => ({ width: (svg as SVGGraphicsElement).getBBox().width, arrows: svg.querySelectorAll('g.message line').length, title: svg.querySelector('title')?.textContent })),
    )
    expect(diagrams.map((d) => d.title)).toEqual(['Sequence diagram of echo', 'Sequence diagram of crowd', 'Sequence diagram of wrong-expectation'])
    for (const diagram of diagrams) {
      expect(diagram.width).toBeGreaterThan(100)
      expect(diagram.arrows).toBeGreaterThan(2)
    }
    await page.close()
  })

  it('shows the failure and its reason first, in words as well as colour', async () => {
    const page = await browser.newPage()
    await page.setViewport({ width: 1280, height: 800 })
    await page.goto(`file://${join(dir, 'report.html')}`, { waitUntil: 'load' })
    const failures = await page.$('section.failures')
    const box = await failures!.boundingBox()
    // On the first screen, above everything else but the title.
    expect(box!.y).toBeLessThan(300)
    expect(await failures!.evaluate((el) => (el as HTMLElement).innerText)).toContain('wrong-expectation: line 7: send a: ping: unexpected reply (expected ping, got ping ACK)')
    const verdicts = await page.$$eval('table.summary tbody tr', (rows) => rows.map((row) => (row.children[1] as HTMLElement).innerText))
    expect(verdicts).toEqual(['✔ passed', '✔ passed', '✘ failed'])
    await page.close()
  })

  it("links the failure bundle's files from the page (each link opens a file that is there) and shows the captured packets in the timeline", async () => {
    const page = await browser.newPage()
    await page.goto(`file://${join(dir, 'report.html')}`, { waitUntil: 'load' })
    const section = await page.$('section[id$="wrong-expectation"]')
    const links = await section!.$$eval('h3 + ul a', (anchors) => anchors.map((a) => (a as HTMLAnchorElement).href))
    expect(links.map((href) => href.split('/').pop()).sort()).toEqual(['capture.pcap', 'client-a-1.log', 'server-around-failure.log', 'server.log', 'timeline.txt'])
    for (const href of links) expect(existsSync(fileURLToPath(href)), href).toBe(true)
    const packets = await section!.$$eval('ol.timeline li.packet', (items) => items.map((item) => (item as HTMLElement).innerText))
    expect(packets.length).toBeGreaterThan(3)
    expect(packets.some((text) => /server → 127\.0\.0\.1:\d+/.test(text) && text.includes('ping ACK'))).toBe(true)
    await page.close()
  })

  it('is one file, with its JSON twin holding the same runs, failure and timeline', () => {
    expect(html).not.toMatch(/<script|<link|src=|url\((?!#)/)
    expect(json.summary).toEqual({ runs: 3, passed: 2, failed: 1, skipped: 0 })
    expect(json.scenarios.map((s) => [s.name, s.failure])).toEqual([
      ['echo', null],
      ['crowd', null],
      ['wrong-expectation', 'line 7: send a: ping: unexpected reply (expected ping, got ping ACK)'],
    ])
    expect(json.scenarios[1]!.timeline.length).toBeGreaterThan(50)
  })
})
