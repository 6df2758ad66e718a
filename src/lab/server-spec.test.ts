import { describe, expect, it } from 'vitest'
import { commandLine, IN_CONTAINER, parseServerSpec } from './server-spec.js'

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
