// A plain `ws` WebSocketServer on 127.0.0.1 (ephemeral port) for bench/overhead.mjs: it answers
// pings with pongs (ws does that by itself) and echoes messages (bench/peers/idle.mjs: Artillery
// and Tsung heartbeat with a message). Prints {"event":"ready","port":N}
// once listening; exits on SIGTERM, or by itself after argv[2] seconds (default 300) so that a
// crashed benchmark cannot leave it behind.
import {WebSocketServer} from 'ws'

const wss = new WebSocketServer({host: '127.0.0.1', port: 0, perMessageDeflate: false, backlog: 1024})
wss.on('listening', () => process.stdout.write(`${JSON.stringify({event: 'ready', port: wss.address().port})}\n`))
wss.on('connection', (ws) => {
  ws.on('error', () => {})
  ws.on('message', (data, isBinary) => ws.send(data, {binary: isBinary}))
})
const stop = () => {
  for (const c of wss.clients) c.terminate()
  wss.close()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
setTimeout(stop, Number(process.argv[2] ?? 300) * 1000).unref()
