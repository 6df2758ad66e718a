import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { bindAddressProblem, clientServerMismatch, sourceConstants } from './source-constants.js'

const seed = [
  'import socket',
  'import threading',
  '',
  'SERVER_HOST = "192.168.2.53"',
  'SERVER_PORT = 12345  # the lab port',
  "FILE_REPOSITORY = 'server_files'",
  '',
  'def main():',
  '    PORT = 1',
  '    server.bind((SERVER_HOST, SERVER_PORT))',
].join('\n')

describe('the constants of a server as written, read from its source', () => {
  it('finds the address, port and folder the seed hard-codes, with their lines', () => {
    expect(sourceConstants(seed)).toEqual({
      host: { value: '192.168.2.53', line: 4, name: 'SERVER_HOST' },
      port: { value: 12345, line: 5, name: 'SERVER_PORT' },
      files: { value: 'server_files', line: 6, name: 'FILE_REPOSITORY' },
    })
    expect(sourceConstants('MAX_CLIENTS = 3\n').maxClients).toEqual({ value: 3, line: 1, name: 'MAX_CLIENTS' })
  })

  it("takes the value without arguments of the shipped original's argv fallbacks", () => {
    const original = readFileSync(new URL('../../lab/original/server.py', import.meta.url), 'utf8')
    expect(sourceConstants(original)).toMatchObject({ host: { value: '0.0.0.0', name: 'HOST' }, port: { value: 12345, name: 'PORT' }, files: { value: 'server_files', name: 'SERVER_FILES' } })
  })

  it('reads a literal bind when no constant names the address', () => {
    expect(sourceConstants('s = socket.socket()\ns.bind(("10.0.0.7", 5000))\n')).toEqual({ host: { value: '10.0.0.7', line: 2, name: 'bind(…)' }, port: { value: 5000, line: 2, name: 'bind(…)' } })
  })

  it('says where a source reads its command line, and not for a mention in a comment', () => {
    expect(sourceConstants('import sys\n# run: python3 server.py (no sys.argv here)\nPORT = int(sys.argv[1]) if len(sys.argv) > 1 else 12345\n').readsArguments).toEqual({ value: 'sys.argv', line: 3, name: 'sys.argv' })
    expect(sourceConstants('# sys.argv is not read\nPORT = 12345\n').readsArguments).toBeUndefined()
    expect(sourceConstants(seed).readsArguments).toBeUndefined()
  })

  it('finds nothing in a source that computes its address', () => {
    expect(sourceConstants('HOST = socket.gethostbyname(socket.gethostname())\n')).toEqual({})
  })
})

describe('the classic mistakes, in a student\'s words', () => {
  it('a stray space in SERVER_HOST', () => {
    const { host } = sourceConstants('SERVER_HOST = "192.168.2.53 "\n')
    expect(bindAddressProblem(host!)).toBe('SERVER_HOST on line 1 is "192.168.2.53 ", with a space at its end: no machine has that address, so bind fails (Cannot assign requested address). Remove the space')
  })

  it('a server bound to 127.0.0.1 or localhost', () => {
    expect(bindAddressProblem(sourceConstants("HOST = 'localhost'\n").host!)).toMatch(/^HOST on line 1 binds localhost: only programs on the same machine can reach it/)
    expect(bindAddressProblem(sourceConstants('HOST = "127.0.0.1"\n').host!)).toMatch(/clients on the other machines cannot connect/)
    expect(bindAddressProblem(sourceConstants('HOST = "0.0.0.0"\n').host!)).toBeUndefined()
  })

  it('a client pointed at another address or port than its server binds', () => {
    const server = sourceConstants('SERVER_HOST = "192.168.2.53"\nSERVER_PORT = 12345\n')
    const client = sourceConstants('SERVER_HOST = "192.168.2.35"\nSERVER_PORT = 12346\n')
    expect(clientServerMismatch(server, client)).toBe(
      'the client connects to 192.168.2.35 (SERVER_HOST, line 1 of client.py) but the server binds 192.168.2.53 (SERVER_HOST, line 1 of server.py); and the client connects to port 12346 (line 2 of client.py) but the server listens on 12345 (line 2 of server.py)',
    )
    expect(clientServerMismatch(server, server)).toBeUndefined()
    expect(clientServerMismatch(sourceConstants('HOST = "0.0.0.0"\nPORT = 12345\n'), sourceConstants('HOST = "192.168.2.53"\nPORT = 12345\n'))).toBeUndefined()
  })
})

describe('a server as written, with the client.py beside it', () => {
  it('says where the client would connect elsewhere than the server binds, and leaves the folder as it was', async () => {
    const { mkdtemp, writeFile, readdir, rm } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const { loadServerSpec } = await import('./server-spec.js')
    const folder = await mkdtemp(join(tmpdir(), 'as-written-'))
    try {
      await writeFile(join(folder, 'server.py'), 'SERVER_HOST = "192.168.2.53"\nSERVER_PORT = 12345\nMAX_CLIENTS = 3\n')
      await writeFile(join(folder, 'client.py'), 'SERVER_HOST = "192.168.2.35"\nSERVER_PORT = 12345\n')
      const spec = await loadServerSpec(folder)
      expect(spec.command).toEqual(['python3', '-u', 'server.py'])
      expect(spec.fixed).toEqual({ maxClients: 3 })
      expect(spec.asWritten?.clientMismatch).toBe('the client connects to 192.168.2.35 (SERVER_HOST, line 1 of client.py) but the server binds 192.168.2.53 (SERVER_HOST, line 1 of server.py)')
      expect((await readdir(folder)).sort()).toEqual(['client.py', 'server.py'])
    } finally {
      await rm(folder, { recursive: true, force: true })
    }
  })
})
