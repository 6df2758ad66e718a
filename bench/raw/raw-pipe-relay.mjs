// Baseline for a relay's cost: the least a relay can do in Node, `pipe()` both ways, no conditions, nothing
// counted. socklab's relay with no condition is measured against it and against a direct connection.
import { connect, createServer } from 'node:net'

const [to, port = '0', host = '127.0.0.1'] = process.argv.slice(2)
const server = createServer({ noDelay: true }, (client) => {
  const upstream = connect({ port: Number(to), host, noDelay: true })
  client.pipe(upstream)
  upstream.pipe(client)
  client.on('error', () => upstream.destroy())
  upstream.on('error', () => client.destroy())
})
server.listen(Number(port), host, () => console.log(`raw-pipe-relay listening on ${server.address().port}`))
