import { kindOf } from './steps/step-kinds.js'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { SHIPPED_SCENARIOS } from '../package/package-files.js'
import { parseScenario } from './scenario-parser.js'
import type { ScenarioInvalid } from './scenario-problems.js'

const parse = (text: string) => () => parseScenario(text, 'x.yaml')

describe('parseScenario', () => {
  it('parses every shipped scenario', async () => {
    const names = (await readdir(SHIPPED_SCENARIOS)).filter((n) => n.endsWith('.yaml'))
    expect(names.length).toBeGreaterThanOrEqual(10)
    for (const name of names) expect(parseScenario(await readFile(join(SHIPPED_SCENARIOS, name), 'utf8'), name).steps.length).toBeGreaterThan(0)
  })

  it('reads short and long forms, defaults, files and timeouts', () => {
    const s = parseScenario(
      [
        'server:',
        '  maxClients: 2',
        '  files:',
        '    - { name: big.bin, size: 2MiB }',
        '    - { name: link, link: /etc/passwd }',
        'clients: { a: {}, b: { mode: compat } }',
        'steps:',
        '  - connect: [a, b]',
        '  - send: { client: a, command: hi, reply: { regex: "^hi" }, timeout: 2s }',
        '  - disconnect: b',
        '  - parallel:',
        '      - get: { client: a, file: big.bin }',
        '    timeout: 1m',
      ].join('\n'),
      'short.yaml',
    )
    expect(s.name).toBe('short')
    expect(s.server).toEqual({
      options: { maxClients: 2 },
      files: [
        { name: 'big.bin', kind: 'random', size: 2 * 1024 * 1024 },
        { name: 'link', kind: 'link', target: '/etc/passwd' },
      ],
    })
    expect(s.clients).toEqual([
      { name: 'a', mode: 'auto', retry: 0, relay: false, protocol: 'socklab', eol: 'lf', maxReceive: 64 * 1024 * 1024 },
      { name: 'b', mode: 'compat', retry: 0, relay: false, protocol: 'socklab', eol: 'lf', maxReceive: 64 * 1024 * 1024 },
    ])
    expect(s.steps.map((step) => [step.kind, step.line, step.timeoutMs])).toEqual([
      ['connect', 8, 10_000],
      ['connect', 8, 10_000],
      ['send', 9, 2_000],
      ['disconnect', 10, 10_000],
      ['parallel', 11, 60_000],
    ])
    expect(s.steps[3]).toMatchObject({ how: 'exit' })
  })

  it('reads steps during a held get, and puts a client whose connection is reset behind a relay', () => {
    const s = parseScenario(
      [
        'clients: [a, b]',
        'steps:',
        '  - connect: [a, b]',
        '  - get:',
        '      client: a',
        '      file: big.bin',
        '      error: SOCKLAB_CONNECTION_LOST',
        '      during:',
        '        - network: { client: a, action: reset }',
        '        - send: { client: b, command: status }',
        '  - get: { client: b, file: x, error: killed, during: [{ disconnect: { client: b, how: kill } }] }',
      ].join('\n'),
      'held.yaml',
    )
    expect(s.clients).toEqual([
      { name: 'a', mode: 'auto', retry: 0, relay: true, protocol: 'socklab', eol: 'lf', maxReceive: 64 * 1024 * 1024 },
      { name: 'b', mode: 'auto', retry: 0, relay: false, protocol: 'socklab', eol: 'lf', maxReceive: 64 * 1024 * 1024 },
    ])
    expect(s.steps[2]).toMatchObject({
      kind: 'get',
      line: 4,
      error: 'SOCKLAB_CONNECTION_LOST',
      during: [
        { kind: 'network', client: 'a', action: 'reset', line: 9 },
        { kind: 'send', client: 'b', command: 'status', line: 10 },
      ],
    })
    expect(s.steps[3]).toMatchObject({ error: 'killed', during: [{ kind: 'disconnect', client: 'b', how: 'kill' }] })
  })

  it.each([
    ['clients: [a]\nsteps:\n  - send: { client: b, command: x }\n', /x\.yaml:3: steps\[0\]\.send\.client: expected one of the scenario's clients \(a\), got "b"/],
    ['clients: [a]\nsteps:\n  - jump: a\n', /x\.yaml:3: steps\[0\]\.jump: expected one of connect, send, get/],
    ['clients: [a]\nsteps:\n  - wait_event: { event: nope }\n', /x\.yaml:3: steps\[0\]\.wait_event\.event: expected one of listening, client_connected/],
    ['server:\n  maxClients: 0\nclients: [a]\nsteps:\n  - connect: a\n', /x\.yaml:2: server\.maxClients: expected at least 1, got 0$/],
    ['server:\n  port: 5\nclients: [a]\nsteps:\n  - connect: a\n', /x\.yaml:2: server\.port: expected one of maxClients/],
    ['clients: [a]\nsteps:\n  - disconnect: { client: a, how: gently }\n', /x\.yaml:3: steps\[0\]\.disconnect\.how: expected one of exit, close, reset, kill, got "gently"/],
    ['clients: [a]\nsteps:\n  - connect: a\n    timeout: soon\n', /x\.yaml:4: steps\[0\]\.timeout: expected a duration/],
    ['clients: [a]\nsteps:\n  - send: { client: a, command: x, reply: { regex: "(" } }\n', /x\.yaml:3: .*regex: expected a valid regular expression/],
    ['clients: [a, b]\nsteps:\n  - parallel:\n      - connect: a\n      - send: { client: a, command: x }\n', /x\.yaml:4: steps\[0\]\.parallel: expected branches that each use a different client \(a is used twice\)/],
    ['clients: [a]\nsteps: []\n', /x\.yaml:2: steps: expected at least one step/],
    ['clients: [a]\nsteps:\n  - server: reboot\n', /x\.yaml:3: steps\[0\]\.server: expected one of stop, start, restart, got "reboot"/],
    ['clients: [a]\nsteps:\n  - network: { client: a, action: unplug }\n', /x\.yaml:3: steps\[0\]\.network\.action: expected one of cut, restore, reset/],
    ['clients: [a]\nsteps:\n  - get: { client: a, file: f, during: [] }\n', /x\.yaml:3: steps\[0\]\.get\.during: expected at least one step/],
    [
      'clients: [a]\nsteps:\n  - get:\n      client: a\n      file: f\n      during:\n        - send: { client: a, command: x }\n',
      /x\.yaml:7: steps\[0\]\.get\.during: expected steps that leave a alone while its get is held, or disconnect it or act on its network \(a send step uses it\)/,
    ],
    ['targets: [mars]\nclients: [a]\nsteps:\n  - connect: a\n', /x\.yaml:1: targets\[0\]: expected one of docker, local, remote/],
    ['clients: { a: { retry: -1 } }\nsteps:\n  - connect: a\n', /x\.yaml:1: clients\.a\.retry: expected a whole number of retries/],
    ['clients: [a]\nsteps:\n  - connect: a\n   bad: indent\n', /x\.yaml:\d+: not valid YAML/],
    ['steps:\n  - connect: a\n', /x\.yaml:1: : expected a `clients:` list/],
  ])('refuses a wrong file with its line and what was expected (%#)', (text, message) => {
    expect(parse(text)).toThrow(message)
    try {
      parse(text)()
    } catch (error) {
      expect((error as { code: string }).code).toBe('SOCKLAB_SCENARIO_INVALID')
    }
  })

  it('reads sleep steps, whose timeout is at least the sleep and a second more', () => {
    const s = parseScenario(['clients: [a]', 'steps:', '  - sleep: 300ms', '  - sleep: 20s', '  - sleep: { for: 1s }'].join('\n'), 'x.yaml')
    expect(s.steps).toEqual([
      { kind: 'sleep', ms: 300, line: 3, timeoutMs: 10_000 },
      { kind: 'sleep', ms: 20_000, line: 4, timeoutMs: 21_000 },
      { kind: 'sleep', ms: 1_000, line: 5, timeoutMs: 10_000 },
    ])
    expect(parse(['clients: [a]', 'steps:', '  - sleep: soon'].join('\n'))).toThrow('x.yaml:3: steps[0].sleep: expected a duration such as 500ms, 10s or 2m, got "soon"')
    expect(parse(['clients: [a]', 'steps:', '  - sleep: 40000m'].join('\n'))).toThrow(
      'x.yaml:3: steps[0].sleep: expected a duration of at most 35791m (about 24.8 days, the longest timer Node supports), got "40000m"',
    )
  })

  describe('catches typos that would otherwise never match', () => {
    const scenario = (...steps: string[]) => ['clients: [alice, bob]', 'steps:', '  - connect: alice', ...steps.map((step) => `  - ${step}`)].join('\n')

    it.each([
      [
        'a where: key that event does not have',
        'wait_event: { event: client_disconnected, where: { client: Client01, reson: timeout } }',
        'x.yaml:4: steps[1].wait_event.where.reson: expected a field of client_disconnected (client, address, port, reason, durationMs, connected), got "reson"; did you mean reason?',
      ],
      [
        'an event name with a typo',
        'expect_events: { event: client_rejcted, count: 1 }',
        'x.yaml:4: steps[1].expect_events.event: expected one of listening',
      ],
      [
        'an error code no one gives',
        'send: { client: alice, command: hi, reply: { error: SOCKLAB_CONECTION_LOST } }',
        'did you mean SOCKLAB_CONNECTION_LOST?',
      ],
      ['a get error that is not a code', 'get: { client: alice, file: x, error: FILE_NOT_FOND }', 'did you mean FILE_NOT_FOUND?'],
      [
        'a reference to a field a client does not have',
        'send: { client: alice, command: hi, reply: "${alice.nam} ACK" }',
        "expected a client's address, port or name in ${alice.nam}, got \"${alice.nam} ACK\"; did you mean name?",
      ],
      ['a reference to a client that does not exist', 'send: { client: alice, command: "hi ${bobb.name}" }', 'did you mean bob?'],
      ['a reference that is no reference', 'wait_event: { event: client_rejected, where: { address: "${alice..port}" } }', '${alice..port} is not one'],
      [
        'a value that nothing sets',
        'send: { client: alice, command: "get ${fille}", capture: { file: "(.*)" } }',
        'x.yaml:4: steps[1].send.command: expected a variable, or a capture or counter set by a step above (none here), got "get ${fille}"; ${fille} is none of them',
      ],
      ['a capture without a group', 'send: { client: alice, command: hi, capture: { who: "Client[0-9]+" } }', 'expected a regular expression with exactly one group, (…), for the value, got "Client[0-9]+"; it has 0'],
      ['a retry without a bound', 'send: { client: alice, command: hi, retry: { every: 1s } }', 'expected `times` (how many more attempts) or `until` (how long to keep trying), or both'],
      ['a repeat of no rounds', 'repeat: { times: 0, steps: [ { sleep: 1ms } ] }', 'expected a whole number of rounds, 1 to 10000, got 0'],
    ])('%s', (_, step, message) => {
      expect(parse(scenario(step))).toThrow(message)
    })

    it('accepts every field, code and reference that exists', () => {
      const s = parseScenario(
        scenario(
          'wait_event: { event: client_rejected, where: { address: "${bob.address}", port: "${bob.port}", connected: 3, maxClients: 3 } }',
          'send: { client: alice, command: "hi ${alice.name}", reply: { regex: "^hi ${alice.name}" } }',
          'get: { client: alice, file: x, error: killed }',
          'send: { client: alice, command: hi, reply: { error: FILES_UNAVAILABLE } }',
        ),
        'x.yaml',
      )
      expect(s.steps).toHaveLength(5)
    })
  })

  describe('variables, captures, counters, retry and repeat', () => {
    const file = (...lines: string[]) => ['vars:', '  file: sample.txt', '  greeting: hello', '  rounds: 2', 'clients: [a]', 'steps:', '  - connect: a', ...lines].join('\n')

    it('fills variables in everywhere, numbers included; --var beats SOCKLAB_VAR_<NAME>, which beats the file', () => {
      const text = file('  - send: { client: a, command: "${greeting}", reply: "${greeting} ACK" }', '  - repeat:', '      times: ${rounds}', '      steps: [ { get: { client: a, file: "${file}" } } ]')
      const plain = parseScenario(text, 'x.yaml')
      expect(plain.vars).toEqual({ file: 'sample.txt', greeting: 'hello', rounds: '2' })
      expect(plain.steps[1]).toMatchObject({ command: 'hello', reply: { kind: 'equals', value: 'hello ACK' } })
      expect(plain.steps[2]).toMatchObject({ kind: 'repeat', times: 2, steps: [{ kind: 'get', file: 'sample.txt' }] })
      const env = { SOCKLAB_VAR_GREETING: 'hi', SOCKLAB_VAR_ROUNDS: '3' }
      const overridden = parseScenario(text, 'x.yaml', { given: new Map([['greeting', 'hey']]), env })
      expect(overridden.vars).toEqual({ file: 'sample.txt', greeting: 'hey', rounds: '3' })
      expect(overridden.steps[1]).toMatchObject({ command: 'hey' })
      expect(overridden.steps[2]).toMatchObject({ times: 3 })
    })

    it('keeps $${…} as text, and refuses a variable without a value anywhere', () => {
      expect(parseScenario(file('  - send: { client: a, command: "$${greeting}" }'), 'x.yaml').steps[1]).toMatchObject({ command: '$${greeting}' })
      expect(parse(['vars: { host: }', 'clients: [a]', 'steps: [ { connect: a } ]'].join('\n'))).toThrow(
        'x.yaml:1: vars.host: expected a default value for host, or one given with --var host=… or SOCKLAB_VAR_HOST',
      )
    })

    it('declares captures and counters for the steps after them, not before', () => {
      const s = parseScenario(
        file(
          '  - send: { client: a, command: status, capture: { me: "(Client[0-9]+)" } }',
          '  - send: { client: a, command: "I am ${me}", reply: "I am ${me} ACK" }',
          '  - repeat: { times: 2, as: round, steps: [ { send: { client: a, command: "r${round}" } } ] }',
        ),
        'x.yaml',
      )
      expect(s.steps[1]).toMatchObject({ capture: { me: '(Client[0-9]+)' } })
      expect(s.steps[2]).toMatchObject({ command: 'I am ${me}' })
      expect(parse(file('  - send: { client: a, command: "${me}" }', '  - send: { client: a, command: status, capture: { me: "(.*)" } }'))).toThrow('steps[1].send.command')
      expect(parse(file('  - send: { client: a, command: x, capture: { file: "(.*)" } }'))).toThrow('expected a name that is not a variable of the file, got "(.*)"; file is one')
    })

    it('reads retry beside the action or inside it', () => {
      const s = parseScenario(file('  - send: { client: a, command: hi, retry: { times: 3, every: 50ms } }', '  - wait_event: { event: listening }', '    retry: { until: 2s }'), 'x.yaml')
      expect(s.steps[1]!.retry).toEqual({ times: 3, untilMs: undefined, everyMs: 50 })
      expect(s.steps[2]!.retry).toEqual({ times: undefined, untilMs: 2000, everyMs: 200 })
    })

    it('reports every problem of a file, one per step, with its line', () => {
      let problems: readonly string[] = []
      try {
        parseScenario(['name: 7', 'clients: [a]', 'steps:', '  - connect: b', '  - send: { client: a, comand: hi }', '  - sleep: 1s', '  - wait_event: { event: nope }'].join('\n'), 'x.yaml')
      } catch (error) {
        problems = (error as ScenarioInvalid).problems
      }
      expect(problems).toEqual([
        'x.yaml:1: name: expected a string, got 7',
        'x.yaml:4: steps[0].connect: expected one of the scenario\'s clients (a), got "b"',
        'x.yaml:5: steps[1].send.comand: expected one of client, group, command, reply, text, bytes, expect, capture, timeout, retry as a key here, got "comand"; did you mean command?',
        expect.stringMatching(/^x\.yaml:7: steps\[3\]\.wait_event\.event: expected one of listening, /),
      ])
    })
  })

  describe('client groups', () => {
    const file = (...lines: string[]) => ['clients:', '  a: {}', '  crowd: { count: 4, mode: framed }', 'steps:', ...lines].join('\n')

    it('makes members that steps may name alone, and group steps over all of them', () => {
      const s = parseScenario(
        file(
          '  - connect: { group: crowd, admitted: 3 }',
          '  - send: { group: crowd, command: hi, reply: hi ACK }',
          '  - send: { client: crowd-2, command: "${crowd-2.name}" }',
          '  - disconnect: { group: crowd, how: reset }',
        ),
        'x.yaml',
      )
      expect(s.clients.map((c) => [c.name, c.mode, c.group])).toEqual([
        ['a', 'auto', undefined],
        ['crowd-1', 'framed', 'crowd'],
        ['crowd-2', 'framed', 'crowd'],
        ['crowd-3', 'framed', 'crowd'],
        ['crowd-4', 'framed', 'crowd'],
      ])
      expect(s.groups).toEqual({ crowd: ['crowd-1', 'crowd-2', 'crowd-3', 'crowd-4'] })
      const members = ['crowd-1', 'crowd-2', 'crowd-3', 'crowd-4']
      expect(s.steps[0]).toMatchObject({ kind: 'connect', group: 'crowd', members, admitted: 3, timeoutMs: 14_000 })
      expect(s.steps[1]).toMatchObject({ kind: 'send', group: 'crowd', command: 'hi' })
      expect(s.steps[3]).toMatchObject({ kind: 'disconnect', group: 'crowd', how: 'reset' })
    })

    it.each([
      ['a group named as a client', '  - connect: crowd', 'expected one client here, got "crowd"; crowd is a group: name it with group: crowd'],
      ['a client named as a group', '  - connect: { group: a }', 'expected one of the scenario\'s client groups (crowd), got "a"'],
      ['counts that do not add up', '  - connect: { group: crowd, admitted: 3, rejected: 3 }', 'expected admitted and rejected that add up to the 4 members of crowd'],
      ['more than there are', '  - connect: { group: crowd, rejected: 5 }', 'expected a whole number of members, 0 to 4, got 5'],
      ['a capture over a group', '  - send: { group: crowd, command: x, capture: { y: "(.)" } }', 'expected no `capture` beside `group`'],
    ])('refuses %s', (_, step, message) => {
      expect(parse(file(step))).toThrow(message)
    })

    it('lists the clients with each group once when a name is unknown', () => {
      expect(parse(file('  - connect: b'))).toThrow('expected one of the scenario\'s clients (a, crowd-1…4), got "b"')
    })
  })

  describe('links', () => {
    const file = (...lines: string[]) => ['clients:', '  a: { link: { latency: 100ms, down: { bandwidth: 1MB/s } } }', '  b: {}', 'steps:', '  - connect: [a, b]', ...lines].join('\n')

    it('gives a client its conditions and a relay; link steps set, clear, reset, now or at a milestone', () => {
      const s = parseScenario(
        file(
          '  - link: { client: b, down: { slicer: { size: 100, delay: 5ms } } }',
          '  - link: { client: b, clear: true }',
          '  - link: { client: a, reset: true, when: { bytes: 4MiB, direction: down } }',
          '  - link: { client: b, blackhole: true, when: { event: transfer_started, where: { client: Client02 } } }',
        ),
        'x.yaml',
      )
      expect(s.clients.map((c) => [c.name, c.relay, c.link?.down.map((d) => d.kind)])).toEqual([
        ['a', true, ['latency', 'bandwidth']],
        ['b', true, undefined],
      ])
      expect(s.steps.slice(2)).toMatchObject([
        { kind: 'link', client: 'b', action: { set: { down: [{ kind: 'slicer', size: 100, delayMs: 5 }], up: [] } }, when: { at: 'now' } },
        { kind: 'link', client: 'b', action: { set: { up: [], down: [] } } },
        { kind: 'link', client: 'a', action: { reset: true }, when: { at: 'bytes', bytes: 4 * 1024 * 1024, direction: 'down' } },
        { kind: 'link', client: 'b', when: { at: 'event', event: 'transfer_started', where: { client: 'Client02' } } },
      ])
    })

    it.each([
      ['nothing to do', '  - link: { client: b }', 'expected one of: conditions (latency, bandwidth, slicer, …, up, down), `clear: true` or `reset: true`'],
      ['two things to do', '  - link: { client: b, clear: true, reset: true }', 'expected one of: conditions'],
      ['a milestone of no kind', '  - link: { client: b, reset: true, when: { after: 1s } }', 'expected one of bytes, match, direction, event, where as a key here, got "after"'],
      ['two milestones at once', '  - link: { client: b, reset: true, when: { bytes: 10, match: full } }', 'one of `bytes`, `match` or `event`'],
      ['a match that is no regex', '  - link: { client: b, reset: true, when: { match: "(unclosed" } }', 'a valid regular expression'],
      ['an event field that does not exist', '  - link: { client: b, reset: true, when: { event: transfer_started, where: { sise: 1 } } }', 'did you mean size?'],
      ['a condition with a typo', '  - link: { client: b, latncy: 10ms }', 'did you mean latency?'],
    ])('refuses %s', (_, step, message) => {
      expect(parse(file(step))).toThrow(message)
    })
  })

  describe('text and byte clients (protocol: text | bytes)', () => {
    const scenario = (...steps: string[]) =>
      ['clients:', '  t: { protocol: text, eol: crlf }', '  b: { protocol: bytes }', '  s: {}', 'steps:', '  - connect: t', ...steps.map((step) => `  - ${step}`)].join('\n')

    it('reads their settings, sends, expectations and the steps only they have', () => {
      const s = parseScenario(
        scenario(
          'send: { client: t, text: PING, expect: "+PONG" }',
          'send: { client: b, bytes: "hex: 2a 31 0d 0a", expect: { length: 4 } }',
          'send: { client: t, text: GET k, expect: { lines: ["$1", { regex: "^v$" }] }, capture: { v: "(v)" } }',
          'receive: { client: t, expect: { contains: "${v}" } }',
          'expect_closed: { client: t, how: rst }',
          'expect_silence: { client: b, for: 20s }',
          'disconnect: b',
        ),
        'x.yaml',
      )
      expect(s.clients.map((c) => [c.name, c.protocol, c.eol])).toEqual([['t', 'text', 'crlf'], ['b', 'bytes', 'lf'], ['s', 'socklab', 'lf']])
      expect(s.steps.slice(1).map((step) => kindOf(step).label(step))).toEqual([
        'send t: PING',
        'send b: bytes hex: 2a 31 0d 0a',
        'send t: GET k',
        'receive t: a line containing "${v}"',
        'expect t closed by the server (RST)',
        'expect silence on b for 20000 ms',
        'disconnect b (close)',
      ])
      // A silence longer than the default timeout gets a timeout beyond it.
      expect(s.steps[6]!.timeoutMs).toBe(21_000)
    })

    it.each([
      ['get on a text client', 'get: { client: t, file: hello.txt }', 'x.yaml:7: steps[1].get.client: expected a client of socklab\'s protocol: t is a text client'],
      ['a command on a text client', 'send: { client: t, command: hi }', 'x.yaml:7: steps[1].send.command: expected `command` on a client of socklab\'s protocol: t is a text client, and sends `text` or `bytes`'],
      ['text on a client of socklab\'s protocol', 'send: { client: s, text: hi }', "x.yaml:7: steps[1].send.text: expected `text` on a text or byte client (protocol: text | bytes): s speaks socklab's protocol"],
      ['lines on a byte client', 'send: { client: b, text: hi, expect: { lines: 2 } }', 'x.yaml:7: steps[1].send.expect.lines: expected `lines` on a text client (protocol: text)'],
      ['exit for a text client', 'disconnect: { client: t, how: exit }', 'x.yaml:7: steps[1].disconnect.how: expected close, reset or kill: t is a text client'],
      ['hex that is not hex', 'send: { client: b, bytes: "hex: 2g" }', 'x.yaml:7: steps[1].send.bytes: expected hex: and whole pairs of hex digits'],
      ['receive on a client of socklab\'s protocol', 'receive: { client: s, expect: hi }', "x.yaml:7: steps[1].receive.client: expected a text or byte client (protocol: text | bytes): s speaks socklab's protocol"],
      ['a silence as long as its timeout', 'expect_silence: { client: t, for: 2s, timeout: 1s }', "x.yaml:7: steps[1].expect_silence.for: expected a silence shorter than the step's timeout (1000 ms)"],
      ['a capture with nothing to take it from', 'send: { client: t, text: hi, capture: { x: "(.)" } }', 'expected an `expect` beside it: a capture is taken from what came back'],
    ])('refuses %s, with its line', (_, step, message) => {
      expect(() => parseScenario(scenario(step), 'x.yaml')).toThrow(message)
    })

    it('refuses settings that do not fit the client', () => {
      expect(() => parseScenario('clients: { a: { eol: crlf } }\nsteps: [ { connect: a } ]', 'x.yaml')).toThrow('x.yaml:1: clients.a.eol: expected `eol` on a text or byte client (protocol: text | bytes)')
      expect(() => parseScenario('clients: { a: { protocol: bytes, eol: crlf } }\nsteps: [ { connect: a } ]', 'x.yaml')).toThrow('expected `eol` on a text client (protocol: text)')
      expect(() => parseScenario('clients: { a: { protocol: text, mode: compat } }\nsteps: [ { connect: a } ]', 'x.yaml')).toThrow("expected `mode` on a client of socklab's protocol")
      expect(() => parseScenario('clients: { a: { protocol: text, rejected_when: "(" } }\nsteps: [ { connect: a } ]', 'x.yaml')).toThrow('clients.a.rejected_when: expected a valid regular expression')
      expect(() => parseScenario('clients: { a: { protocol: telnet } }\nsteps: [ { connect: a } ]', 'x.yaml')).toThrow('expected one of socklab, text, bytes')
    })
  })

  it('reads sequence steps, and parallel branches count the clients of their nested steps', () => {
    const s = parseScenario(['clients: [a, b]', 'steps:', '  - connect: a', '  - parallel:', '      - connect: b', '      - sequence: [ { sleep: 10ms }, { disconnect: a } ]'].join('\n'), 'x.yaml')
    expect(s.steps[1]).toMatchObject({ kind: 'parallel', steps: [{ kind: 'connect' }, { kind: 'sequence', steps: [{ kind: 'sleep' }, { kind: 'disconnect', client: 'a' }] }] })
    expect(parse(['clients: [a]', 'steps:', '  - parallel: [ { connect: a }, { sequence: [ { disconnect: a } ] } ]'].join('\n'))).toThrow('branches that each use a different client (a is used twice)')
  })
})
