import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ORIGINAL_CLIENT, ORIGINAL_SERVER } from './processes.js'

/** A folder with the original as the assignment had it: its address, port 12345 and its folder hard-coded, no argv. */
export async function originalAsWritten(host: string): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'as-written-'))
  const source = (await readFile(ORIGINAL_SERVER, 'utf8'))
    .replace("HOST = '0.0.0.0'", `HOST = '${host}'`)
    .replace('PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 12345', 'PORT = 12345')
    .replace("SERVER_FILES = sys.argv[2] if len(sys.argv) > 2 else 'server_files'", "SERVER_FILES = 'server_files'")
  if (/sys\.argv\[/.test(source)) throw new Error('the original no longer has the lines this fixture rewrites')
  await writeFile(join(folder, 'server.py'), source)
  return folder
}

/** The original's interactive client as the assignment had it, beside the server in `folder`: its address and port hard-coded, no argv. */
export async function clientAsWritten(folder: string, host: string, port = 12345): Promise<void> {
  const source = (await readFile(ORIGINAL_CLIENT, 'utf8'))
    .replace("HOST = sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1'", `HOST = '${host}'`)
    .replace('PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 12345', `PORT = ${port}`)
  if (/sys\.argv\[/.test(source)) throw new Error('the original client no longer has the lines this fixture rewrites')
  await writeFile(join(folder, 'client.py'), source)
}
