// Baseline for round trips: a minimal echo server answering each message with "<message> ACK".
import { createServer } from 'node:net'

const [port = '0', host = '127.0.0.1'] = process.argv.slice(2)
const server = createServer({ noDelay: true }, (socket) => {
  socket.on('data', (chunk) => socket.write(Buffer.concat([chunk, Buffer.from(' ACK')])))
  socket.on('error', () => socket.destroy())
})
server.listen(Number(port), host, () => console.log(`raw-echo-server listening on ${server.address().port}`))
