// Receives a file and prints how long each repetition took, as JSON: { "ms": [..] }. Only counts bytes: the
// ceiling for a receiver. Modes: raw (raw-file-server: name + newline), bare (the original server's
// `get <name>`), framed (a socklab server: hello, then a COMMAND frame; counts until `size` bytes arrived).
import { connect } from 'node:net'

const [host, port, name, size, reps = '1', mode = 'raw'] = process.argv.slice(2)
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
      socket.on('data', (chunk) => {
        got += chunk.length
        if (got >= Number(size)) {
          resolve(performance.now() - started)
          socket.destroy()
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
