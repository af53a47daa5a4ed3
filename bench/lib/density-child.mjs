// bench/lib/density-child.mjs: one measurement of bench/density.mjs, in a fresh process started
// with the flags and environment of a load worker. argv: <mode> <clients> <holdS> <json urls>.
// mode `raw`: plain `ws` clients, each pinging every 5 s from a timer (the floor: what a WebSocket
// costs in Node); any other mode is a scenario kind run by the real LoadWorker in this process
// (constant-vus, heartbeat every 5 s). Prints one JSON line: RSS before, peak during the hold,
// median during the hold, and the heap after a forced GC.
import {readFileSync} from 'node:fs'
import {setTimeout as sleep} from 'node:timers/promises'
import {pathToFileURL} from 'node:url'
import {join} from 'node:path'

const [mode, clientsArg, holdArg, urlsArg] = process.argv.slice(2)
const clients = Number(clientsArg)
const holdS = Number(holdArg)
const urls = JSON.parse(urlsArg)
const root = process.cwd()
const rssKb = () => Number(readFileSync('/proc/self/status', 'utf8').match(/VmRSS:\s+(\d+)/)[1])
const dist = (p) => import(pathToFileURL(join(root, 'dist', p)).href)

let connected = () => 0
let stop = async () => {}
if (mode === 'raw') {
  const {default: WebSocket} = await import('ws')
  await sleep(300)
} else {
  await dist('src/load/worker.js')
  await dist('src/load/profile/load-profile.js')
}
global.gc?.()
await sleep(300)
const before = rssKb()
const heapBefore = Math.round(process.memoryUsage().heapUsed / 1024)

if (mode === 'raw') {
  const {default: WebSocket} = await import('ws')
  const payload = Buffer.alloc(16, 0x69)
  const socks = []
  const open = async () => {
    const ws = new WebSocket(urls.ws, {perMessageDeflate: false})
    await new Promise((resolve, reject) => {
      ws.once('open', resolve)
      ws.once('error', reject)
    })
    ws.on('error', () => {})
    let sentAt = 0
    const ping = () => {
      sentAt = performance.now()
      ws.ping(payload)
    }
    ws.on('pong', () => {
      void (performance.now() - sentAt)
      setTimeout(ping, 5000)
    })
    setTimeout(ping, Math.random() * 5000)
    socks.push(ws)
  }
  for (let i = 0; i < clients; i += 20) await Promise.all(Array.from({length: Math.min(20, clients - i)}, open))
  connected = () => socks.length
  stop = async () => socks.forEach((s) => s.terminate())
} else {
  const {LoadWorker} = await dist('src/load/worker.js')
  const {parseProfile} = await dist('src/load/profile/load-profile.js')
  const profile = parseProfile(JSON.stringify({
    name: 'density', options: {drain: '0s', rampConcurrency: 50},
    scenarios: {idle: {scenario: mode, executor: 'constant-vus', vus: clients, duration: `${holdS + 600}s`, heartbeatInterval: '5s', ...(mode === 'chat' ? {messageRate: 0.1} : {})}},
  }), 'density.json')
  let vus = 0
  const worker = new LoadWorker((m) => {
    if (m.type === 'delta') vus = m.vus
    if (m.type === 'failed') console.error(`worker failed: ${m.message}`)
  })
  await worker.handle({type: 'init', worker: 0, workers: 1, runId: 'density', profile, urls, tls: {}})
  await worker.handle({type: 'start', startAtMs: performance.timeOrigin + performance.now()})
  const deadline = Date.now() + 180_000
  while (vus < clients && Date.now() < deadline) await sleep(250)
  connected = () => vus
  stop = () => worker.handle({type: 'finish'})
}

const samples = []
const until = Date.now() + holdS * 1000
while (Date.now() < until) {
  samples.push(rssKb())
  await sleep(250)
}
const peak = Math.max(...samples)
const median = samples.sort((a, b) => a - b)[samples.length >> 1]
global.gc?.()
const heapKb = Math.round(process.memoryUsage().heapUsed / 1024)
const reached = connected()
await Promise.race([stop(), sleep(5000)])
process.stdout.write(`${JSON.stringify({mode, clients, connected: reached, beforeKb: before, peakKb: peak, medianKb: median, heapBeforeKb: heapBefore, heapAfterGcKb: heapKb})}\n`)
process.exit(0)
