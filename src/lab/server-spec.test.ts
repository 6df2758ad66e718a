import { describe, expect, it } from 'vitest'
import { commandLine, IN_CONTAINER, parseServerSpec, unsupportedTarget } from './server-spec.js'

const ADAPTER = 'adapter:\n  - { event: listening, match: "^up$" }\n'
const spec = (docker: string, extra = '') => parseServerSpec(`command: [python3, -u, "{dir}/s.py", "{port}"]\n${extra}${ADAPTER}docker:\n${docker}`, '/specs/mine.yaml')

describe('the docker section of a server spec', () => {
  it('resolves build against the spec folder and keeps the rest as written', () => {
    expect(spec('  image: me/server:1\n  build: ../image\n  base: python\n').docker).toEqual({ image: 'me/server:1', build: '/image', base: 'python' })
    expect(spec('  base: python\n').docker).toEqual({ base: 'python' })
  })

  it('fills the placeholders with where things are in the container', () => {
    const { argv, env } = commandLine(spec('  base: python\n'), IN_CONTAINER, {})
    expect(argv).toEqual(['python3', '-u', '/srv/app/s.py', '12345'])
    expect(env).toMatchObject({ SOCKLAB_PORT: '12345', SOCKLAB_FILES: '/srv/server_files', SOCKLAB_HOST: '0.0.0.0' })
  })

  it('refuses what cannot run, with the line and what it needs', () => {
    expect(() => spec('  command: [x]\n')).toThrow(/mine.yaml:5: docker: expected an `image` to run, or a `base` image/)
    expect(() => spec('  build: ./image\n  base: python\n')).toThrow(/an `image` beside it/)
    expect(() => spec('  image: me/server:1\n', 'settings:\n  maxClients: { arg: "{value}" }\n')).toThrow(/a `command` beside `image`: the maxClients setting is given as an argument/)
    expect(() => spec('  image: me/server:1\n  tag: x\n')).toThrow(/tag/)
  })
})

describe('a server spec of any protocol', () => {
  it('needs no adapter: ready on its port, or on a console line that becomes its listening event', () => {
    const port = parseServerSpec('command: [redis-server, --port, "{port}"]\nready: { port: true }\n', '/lab/redis.yaml')
    expect(port.adapter!.cannotSee('listening')).toBe("the server's log does not show listening (log adapter redis)")
    expect(port.adapter!.cannotSee('client_connected')).toBe("the server's log does not show client_connected (log adapter redis)")
    const line = parseServerSpec('command: [python3, chat.py]\nready: { console: "^Chat server listening" }\n', '/lab/chat.yaml')
    expect(line.adapter!.line('Chat server listening on 0.0.0.0:5000')?.value).toMatchObject({ event: 'listening' })
    expect(() => parseServerSpec('command: [x]\nready: { console: "(" }\n', '/lab/x.yaml')).toThrow('/lab/x.yaml:2: ready.console: expected a valid regular expression')
    expect(() => parseServerSpec('command: [x]\nready: { port: false }\n', '/lab/x.yaml')).toThrow('expected true')
  })

  it('gives a setting as several arguments when its arg is a list', () => {
    const spec = parseServerSpec('command: [redis-server]\nsettings:\n  maxClients: { arg: [--maxclients, "{value}"] }\n', '/lab/redis.yaml')
    expect(commandLine(spec, { ...IN_CONTAINER }, { maxClients: 3 }).argv).toEqual(['redis-server', '--maxclients', '3'])
  })

  it('runs an image with its own command on the docker target only', () => {
    const spec = parseServerSpec('docker: { image: redis:7 }\n', '/lab/redis.yaml')
    expect(spec.command).toEqual([])
    expect(unsupportedTarget(spec, 'local')).toBe("the redis server runs its image's own command (its spec has no `command`), so it runs on the docker target only")
    expect(unsupportedTarget(spec, 'docker')).toBeUndefined()
    expect(() => parseServerSpec('docker: { base: python }\n', '/lab/x.yaml')).toThrow('expected a `command`')
  })
})
