import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { ownedTempDir } from '../ownership/owned-temp-dir.js'
import { SHIPPED_FILES } from '../package/package-files.js'
import { startServerProcess } from '../process/server-process.js'
import { spawnSocklab } from '../process/socklab-process.js'
import { DemoOutput } from './demo-output.js'
import { SOCKLAB_SERVER, type ServerSpec } from '../lab/server-spec.js'
import { startCommandServer } from '../process/command-server.js'
import { freePort } from '../process/free-port.js'

/**
 * The demo as local processes: a server (socklab's, or one under test such as the original) and four
 * clients on loopback. The fourth starts once three are
 * admitted, so exactly one is rejected, every time. True when it went as it should.
 */
export async function runLocalDemo(entry: string, holdMs: number, spec: ServerSpec = SOCKLAB_SERVER): Promise<boolean> {
  const out = new DemoOutput()
  await using scratch = await ownedTempDir('demo')
  await using server =
    spec.kind === 'command'
      ? await startCommandServer(spec, { host: '127.0.0.1', port: await freePort(), files: SHIPPED_FILES, options: {} })
      : await startServerProcess({ entry, args: ['--files', SHIPPED_FILES] })
  for (const event of server.events.events) out.line(0, 'server', event.msg)
  server.events.subscribe((event) => out.line(0, 'server', event.msg))
  const client = async (n: number): Promise<number | null> => {
    const downloads = join(scratch.path, `client${n}`)
    await mkdir(downloads)
    const child = spawnSocklab(entry, [
      'client', '--port', String(server.port), '--download-dir', downloads, '--hold-ms', String(holdMs), '--no-progress',
      '-c', `hello from client ${n}`, '-c', 'status', '-c', 'list', '-c', 'get socklab.png',
    ])
    child.stdin?.end()
    out.follow(n, `client${n}`, child.stdout!)
    out.follow(n, `client${n}`, child.stderr!)
    return new Promise((resolve) => child.once('close', (code) => resolve(code)))
  }
  const admitted = [1, 2, 3].map(client)
  await server.events.waitFor('client_connected', undefined, 3)
  const fourth = await client(4)
  const codes = await Promise.all(admitted)
  await server.stop()
  console.log('')
  console.log(`clients 1-3 exit codes: ${codes.join(', ')} (0 = done); client4 exit code: ${fourth} (3 = server full)`)
  return codes.every((code) => code === 0) && fourth === 3
}
