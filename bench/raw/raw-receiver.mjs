// Receives a file from raw-file-server (or, with --bare, from the original server's `get`) and prints how
// long each repetition took, as JSON: { "ms": [..] }. Only counts bytes: the ceiling for a receiver.
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
        socket.write(mode === 'bare' ? `get ${name}` : `${name}\n`)
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
