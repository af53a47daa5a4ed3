// A one-process node "hello" HTTP server for the HTTP job of bench:peers: keep-alive, a 12-byte
// body, nothing else, so that the generators are what is measured. Prints one JSON ready line;
// its `statsPort` answers GET with {served}: the requests answered so far (so that the job can
// time a tool's steady state without trusting the tool's own count).
//
//   node bench/lib/hello-server.mjs [port]
import {createServer} from 'node:http'

const BODY = Buffer.from('hello world\n')
let served = 0
const server = createServer((req, res) => {
  served++
  // Drain any request body so keep-alive holds; the answer does not depend on it.
  req.resume()
  res.writeHead(200, {'content-type': 'text/plain', 'content-length': BODY.length})
  res.end(BODY)
})
server.keepAliveTimeout = 60_000
const stats = createServer((req, res) => res.end(JSON.stringify({served})))
stats.listen(0, '127.0.0.1', () => {
  server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
    console.log(JSON.stringify({event: 'ready', port: server.address().port, statsPort: stats.address().port, pid: process.pid}))
  })
})
const stop = () => {
  stats.close()
  server.close(() => process.exit(0))
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
