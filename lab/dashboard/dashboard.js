// The socklab lab dashboard: one page, live over server-sent events (/api/events), acting through the lab's
// JSON API (/api/…). No framework and nothing from elsewhere: everything is served by the lab itself.
// Every text that comes from a server or a client goes in as text, never as markup.
'use strict'

const STATE_WORDS = {
  idle: 'idle',
  connecting: 'connecting…',
  connected: 'connected',
  rejected: 'turned away',
  disconnected: 'disconnected',
  failed: 'could not connect',
}
const HOWS = [
  ['exit', 'Exit', 'send exit and leave'],
  ['close', 'Close', 'close the connection (FIN)'],
  ['reset', 'Reset', 'reset the connection (RST)'],
  ['kill', 'Kill', 'kill the client (SIGKILL)'],
]

/** What tests and the screenshot script read: how late each server event reached the page. */
const dashboard = { delays: [], updates: 0, view: undefined }
window.socklabDashboard = dashboard

const $ = (id) => document.getElementById(id)
const rows = new Map()

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag)
  for (const [key, value] of Object.entries(props)) {
    if (key === 'class') node.className = value
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value)
    else if (key in node) node[key] = value
    else node.setAttribute(key, value)
  }
  for (const child of children) node.append(child)
  return node
}

async function act(path, body) {
  const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const answer = await response.json().catch(() => ({ error: `HTTP ${response.status}` }))
  if (!response.ok) throw new Error(answer.error || `HTTP ${response.status}`)
  return answer
}

function say(text, failed = false) {
  const answer = $('answer')
  answer.textContent = text
  answer.dataset.failed = String(failed)
}

async function exec(client, words, button) {
  if (button) button.disabled = true
  try {
    const result = await act('/api/exec', { client, words })
    say(result.text, !result.ok)
  } catch (error) {
    say(`${client}: ${error.message}`, true)
  } finally {
    if (button) button.disabled = false
  }
}

function clientRow(name) {
  const command = el('input', { type: 'text', placeholder: 'hello, status, list', 'aria-label': `command for ${name}` })
  const file = el('input', { type: 'text', placeholder: 'file name', 'aria-label': `file for ${name} to get` })
  const sendButton = el('button', { type: 'button', textContent: 'Send', title: `send the command as ${name}` })
  const getButton = el('button', { type: 'button', textContent: 'Get', title: `fetch the file as ${name}` })
  sendButton.addEventListener('click', () => command.value.trim() && exec(name, command.value.trim().split(/\s+/), sendButton))
  command.addEventListener('keydown', (e) => e.key === 'Enter' && sendButton.click())
  getButton.addEventListener('click', () => file.value.trim() && exec(name, ['get', file.value.trim()], getButton))
  file.addEventListener('keydown', (e) => e.key === 'Enter' && getButton.click())
  const connect = el('button', { type: 'button', textContent: 'Connect', title: `connect ${name} to the server` })
  connect.addEventListener('click', () => exec(name, ['connect'], connect))
  const hows = HOWS.map(([how, label, title]) => {
    const button = el('button', { type: 'button', textContent: label, title: `${name}: ${title}` })
    button.dataset.how = how
    button.addEventListener('click', () => exec(name, ['disconnect', how], button))
    return button
  })
  const cells = { name: el('th', { scope: 'row', textContent: name }), state: el('span', { class: 'state' }), serverName: el('td'), address: el('td'), mode: el('td'), link: el('td') }
  const row = el(
    'tr',
    { id: `client-${name}` },
    cells.name,
    el('td', {}, cells.state),
    cells.serverName,
    cells.address,
    cells.mode,
    cells.link,
    el('td', {}, el('div', { class: 'actions' }, connect, ...hows, command, sendButton, file, getButton)),
  )
  row.dataset.client = name
  return { row, cells, connect, hows, sendButton, getButton }
}

function renderClients(clients) {
  const body = $('clients').tBodies[0]
  for (const client of clients) {
    let entry = rows.get(client.name)
    if (!entry) {
      entry = clientRow(client.name)
      rows.set(client.name, entry)
      body.append(entry.row)
    }
    const { cells, row } = entry
    row.dataset.state = client.state
    cells.state.className = `state state-${client.state}`
    cells.state.textContent = STATE_WORDS[client.state] || client.state
    cells.state.title = client.note || ''
    cells.serverName.textContent = client.serverName || '—'
    cells.address.textContent = client.address ? `${client.address}:${client.port}` : '—'
    cells.mode.textContent = client.state === 'connected' ? client.mode || '' : ''
    cells.link.textContent = client.link || '—'
    const connected = client.state === 'connected'
    entry.connect.disabled = connected || client.state === 'connecting'
    for (const button of entry.hows) button.disabled = !connected
    entry.sendButton.disabled = !connected
    entry.getButton.disabled = !connected
  }
}

function renderServer(view) {
  $('lab-name').textContent = `lab ${view.name}`
  $('lab-where').textContent = `${view.target} target`
  document.title = `socklab lab ${view.name}`
  const taken = view.slots.filter((s) => s.holder).length
  $('server-line').textContent = `${view.server.spec} server at ${view.server.address} · ${taken} of ${view.slots.length} slots taken${view.server.running ? '' : ' · restarting'}`
  const slots = $('slots')
  slots.replaceChildren(
    ...view.slots.map((slot) => {
      const holder = slot.holder
      const item = el('li', { class: holder ? 'taken' : 'free' }, el('strong', { textContent: `Slot ${slot.slot}: ${holder ? 'taken' : 'free'}` }))
      item.dataset.slot = String(slot.slot)
      if (holder) item.append(`${holder.name}${holder.client ? ` (${holder.client})` : ''}`, el('br'), `${holder.address}:${holder.port}`)
      return item
    }),
  )
}

function rate(bytesPerSecond) {
  if (bytesPerSecond >= 1e6) return `${(bytesPerSecond / 1e6).toFixed(1)} MB/s`
  if (bytesPerSecond >= 1e3) return `${(bytesPerSecond / 1e3).toFixed(1)} kB/s`
  return `${bytesPerSecond} B/s`
}

function renderTransfers(transfers) {
  $('no-transfers').hidden = transfers.length > 0
  $('transfers').replaceChildren(
    ...transfers
      .slice(-8)
      .reverse()
      .map((t) => {
        const state = t.state === 'done' ? 'done' : t.state === 'failed' ? `failed: ${t.reason || ''}` : 'sending'
        const label = `${t.lab || t.client} ← ${t.file}: ${t.percent}% of ${t.size} bytes, ${t.state === 'running' ? 'now' : 'sent at'} ${rate(t.bytesPerSecond)} (${state})`
        const bar = el('progress', { max: 100, value: t.percent, 'aria-label': label })
        const item = el('li', {}, el('div', { textContent: label }), bar)
        item.dataset.state = t.state
        item.dataset.percent = String(t.percent)
        return item
      }),
  )
}

function addTimeline(entries) {
  const list = $('timeline')
  for (const entry of entries) {
    const time = new Date(entry.at)
    const item = el(
      'li',
      { class: `source-${entry.source}` },
      el('time', { dateTime: time.toISOString(), textContent: time.toLocaleTimeString([], { hour12: false }) }),
      `${entry.source === 'server' ? 'server' : 'lab'}: ${entry.text}`,
    )
    list.prepend(item)
    if (entry.loggedAt) dashboard.delays.push(Date.now() - entry.loggedAt)
  }
  while (list.children.length > 300) list.lastElementChild.remove()
}

function render(view) {
  dashboard.view = view
  renderServer(view)
  renderClients(view.clients)
  renderTransfers(view.transfers)
}

function listen() {
  const events = new EventSource('/api/events')
  events.addEventListener('snapshot', (message) => {
    const { view, timeline } = JSON.parse(message.data)
    $('timeline').replaceChildren()
    addTimeline(timeline.map((entry) => ({ ...entry, loggedAt: undefined })))
    render(view)
  })
  events.addEventListener('update', (message) => {
    const { view, entries } = JSON.parse(message.data)
    addTimeline(entries)
    render(view)
    dashboard.updates += 1
  })
  events.addEventListener('open', () => {
    $('live').dataset.state = 'live'
    $('live').textContent = 'live'
  })
  events.addEventListener('error', () => {
    $('live').dataset.state = 'lost'
    $('live').textContent = 'connection to the lab lost; retrying…'
  })
}

$('add-client').addEventListener('click', async () => {
  try {
    const { client } = await act('/api/clients', {})
    say(`${client} added: connect it with its Connect button`)
  } catch (error) {
    say(error.message, true)
  }
})
$('restart').addEventListener('click', async (event) => {
  event.target.disabled = true
  try {
    await act('/api/server', { action: 'restart' })
    say('server restarted')
  } catch (error) {
    say(error.message, true)
  } finally {
    event.target.disabled = false
  }
})
listen()
