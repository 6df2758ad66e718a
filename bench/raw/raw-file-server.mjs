// Baseline (a): the best raw Node sender. A connection sends a file name and a newline; the server answers
// with the file's bytes, fs.createReadStream(file, { highWaterMark: 1 MiB }).pipe(socket), then closes.
import { createReadStream } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'

const [folder, port = '0', host = '127.0.0.1'] = process.argv.slice(2)
const server = createServer((socket) => {
  let name = ''
  socket.on('data', function onData(chunk) {
    name += chunk.toString('utf8')
    if (!name.includes('\n')) return
    socket.off('data', onData)
    createReadStream(join(folder, name.trim()), { highWaterMark: 1024 * 1024 }).pipe(socket)
  })
  socket.on('error', () => socket.destroy())
})
server.listen(Number(port), host, () => console.log(`raw-file-server listening on ${server.address().port}`))
