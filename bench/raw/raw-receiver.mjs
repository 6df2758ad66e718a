// Receives a file and prints how long each repetition took, as JSON: { "ms": [..] }. Only counts bytes: the
// ceiling for a receiver. Modes: raw (raw-file-server: name + newline), bare (the original server's
// `get <name>`), framed (a socklab server: hello, then a COMMAND frame; counts until `size` bytes arrived).
// With a fifth argument `save=<folder>` it does what a verifying client does instead of only counting:
// SHA-256 over every byte and a copy written to <folder> (8 MiB write buffer, fsync at the end).
import { createHash } from 'node:crypto'
import { closeSync, createWriteStream, fsyncSync, openSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'

const [host, port, name, size, reps = '1', mode = 'raw', save] = process.argv.slice(2)
const folder = save?.startsWith('save=') ? save.slice(5) : undefined
const results = []
for (let i = 0; i < Number(reps); i += 1) {
  results.push(
    await new Promise((resolve, reject) => {
      const socket = connect({ host, port: Number(port), noDelay: true })
      let got = 0
      let started = 0
      socket.on('connect', () => {
        started = performance.now()
        socket.write(request(mode, name))
      })
      const sink = folder ? saver(join(folder, `raw-${name}`), socket) : undefined
      socket.on('data', (chunk) => {
        got += chunk.length
        sink?.write(chunk)
        if (got >= Number(size)) {
          socket.destroy()
          if (!sink) return resolve(performance.now() - started)
          sink.end(() => resolve(performance.now() - started))
        }
      })
      socket.on('error', reject)
    }),
  )
}
console.log(JSON.stringify({ ms: results }))

function request(mode, name) {
  if (mode === 'bare') return `get ${name}`
  if (mode !== 'framed') return `${name}\n`
  const command = Buffer.from(`get ${name}`)
  const header = Buffer.from([0x01, 0, 0, 0, 0])
  header.writeUInt32BE(command.length, 1)
  return Buffer.concat([Buffer.from('\u0000SOCKLAB/1\n'), header, command])
}

/** Hashes and saves what it is given, pausing the socket while the disk is behind. */
function saver(path, socket) {
  const fd = openSync(path, 'w')
  const hash = createHash('sha256')
  const out = createWriteStream(path, { fd, highWaterMark: 8 * 1024 * 1024, autoClose: false })
  out.on('drain', () => socket.resume())
  return {
    write(chunk) {
      hash.update(chunk)
      if (!out.write(chunk)) socket.pause()
    },
    end(done) {
      hash.digest('hex')
      out.end(() => {
        fsyncSync(fd)
        closeSync(fd)
        done()
      })
    },
  }
}
