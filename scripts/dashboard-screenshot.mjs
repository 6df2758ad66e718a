// Writes docs/dashboard.png: the lab dashboard as it looks while a lab runs. It brings up a lab on the local
// target (three slots, four clients, every client behind a relay), drives it through the same page and API
// a person uses (the fourth client is turned away, one client resets, another fetches a file over a 2 MB/s
// link), takes the picture mid-transfer, and takes the lab down. Needs Chromium (SOCKLAB_CHROMIUM, default
// /usr/bin/chromium). Usage: npm run screenshot
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import puppeteer from 'puppeteer-core'

const root = new URL('..', import.meta.url).pathname
const chromium = process.env.SOCKLAB_CHROMIUM ?? '/usr/bin/chromium'
const scratch = mkdtempSync(join(tmpdir(), 'socklab-screenshot-'))
const env = { ...process.env, SOCKLAB_LAB_DIR: join(scratch, 'labs') }
const lab = (...args) => {
  const run = spawnSync(process.execPath, [join(root, 'bin/socklab.js'), 'lab', ...args, '--name', 'screenshot'], { env, encoding: 'utf8' })
  if (run.status !== 0 && args[0] !== 'exec') throw new Error(`lab ${args.join(' ')}: ${run.stderr}`)
  return run.stdout
}

const files = join(scratch, 'files')
cpSync(join(root, 'server_files'), files, { recursive: true })
writeFileSync(join(files, 'lecture.mp4'), randomBytes(24 * 1024 * 1024))
let browser
try {
  const up = lab('up', '--target', 'local', '--clients', '4', '--max-clients', '3', '--link', '{}', '--files', files, '--dashboard')
  const url = /^Dashboard: (\S+)$/m.exec(up)[1]
  browser = await puppeteer.launch({ executablePath: chromium, args: ['--no-sandbox', '--headless=new'] })
  const page = await browser.newPage()
  await page.setViewport({ width: 1400, height: 900, deviceScaleFactor: 1 })
  await page.goto(url, { waitUntil: 'load' })
  await page.waitForFunction(() => document.querySelector('#live')?.dataset.state === 'live')
  const click = (selector) => page.$eval(selector, (button) => button.click())
  const state = (client, wanted) => page.waitForFunction((c, s) => document.querySelector(`#client-${c}`)?.dataset.state === s, {}, client, wanted)
  for (const client of ['c1', 'c2', 'c3']) {
    await click(`#client-${client} .actions button[title^="connect"]`)
    await state(client, 'connected')
  }
  await click('#client-c4 .actions button[title^="connect"]')
  await state('c4', 'rejected')
  await page.type('#client-c2 input[aria-label="command for c2"]', 'hello from c2')
  await click('#client-c2 button[title^="send"]')
  await page.waitForFunction(() => document.querySelector('#answer')?.textContent === 'hello from c2 ACK')
  await click('#client-c3 button[data-how="reset"]')
  await state('c3', 'disconnected')
  lab('exec', 'c1', 'link', '{latency: 40ms, bandwidth: 2MB/s}')
  await page.waitForFunction(() => document.querySelector('#client-c1')?.textContent?.includes('2 MB/s'))
  await page.type('#client-c1 input[aria-label="file for c1 to get"]', 'lecture.mp4')
  await click('#client-c1 button[title^="fetch"]')
  await page.waitForFunction(() => Number(document.querySelector('#transfers li')?.dataset.percent) >= 56, { timeout: 60_000 })
  await page.$eval('#client-c1 input[aria-label="file for c1 to get"]', (input) => input.blur())
  await page.screenshot({ path: join(root, 'docs', 'dashboard.png') })
  console.log('written: docs/dashboard.png')
} finally {
  await browser?.close()
  lab('down')
  rmSync(scratch, { recursive: true, force: true })
}
