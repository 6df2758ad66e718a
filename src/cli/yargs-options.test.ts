import yargs from 'yargs'
import { describe, expect, it } from 'vitest'
import { SERVER_OPTION_SPECS } from '../config/server-options.js'
import { finishOptions, yargsOptions } from './yargs-options.js'

/** Parses `args` with the server's options, finished against `env`, as the CLI does. */
function parse(args: string[], env: NodeJS.ProcessEnv = {}) {
  return yargs(args)
    .options(finishOptions(yargsOptions(SERVER_OPTION_SPECS), args, env))
    .strict()
    .fail((message, error) => {
      throw error ?? new Error(message)
    })
    .parseSync()
}

describe('command options', () => {
  it('take SOCKLAB_<OPTION> as the default, typed; a flag beats it', () => {
    expect(parse([], { SOCKLAB_MAX_CLIENTS: '7', SOCKLAB_LOG_FORMAT: 'plain' })).toMatchObject({ maxClients: 7, logFormat: 'plain' })
    expect(parse(['--max-clients', '2'], { SOCKLAB_MAX_CLIENTS: '7' }).maxClients).toBe(2)
    expect(parse([], { SOCKLAB_IDLE_TIMEOUT_MS: '' }).idleTimeoutMs).toBe(300_000)
  })

  it('take the last value of an option given twice, as most tools do', () => {
    expect(parse(['--max-clients', '2', '--max-clients', '5']).maxClients).toBe(5)
    expect(parse(['--files', 'a', '--files', 'b']).files).toBe('b')
  })

  it('refuse an environment value that does not parse, naming the variable', () => {
    expect(() => parse([], { SOCKLAB_PORT: 'eighty' })).toThrow('SOCKLAB_PORT: expected a number, got "eighty"')
    expect(() => parse([], { SOCKLAB_LOG_FORMAT: 'xml' })).toThrow('SOCKLAB_LOG_FORMAT: expected one of auto, json, pretty, plain, got "xml"')
  })

  it('refuse a number option given no number, quoting what was given', () => {
    expect(() => parse(['--port', 'abc'])).toThrow('--port: expected a number, got "abc"')
    expect(() => parse(['--port='])).toThrow('--port: expected a number, got ""')
    expect(() => parse(['--port'])).toThrow(/Not enough arguments following: port/)
    expect(parse(['--port', '80']).port).toBe(80)
  })
})
