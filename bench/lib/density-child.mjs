// bench/lib/density-child.mjs: one measurement of bench/density.mjs, in a fresh process started
// with the flags and environment of a load worker. argv: <mode> <clients> <holdS> <json urls>.
// mode `raw`: plain `ws` clients, each pinging every 5 s from a timer (the floor: what a WebSocket
// costs in Node); any other mode is a scenario kind run by the real LoadWorker in this process
// (constant-vus, heartbeat every 5 s). Prints one JSON line (kB unless named otherwise):
//   beforeKb       RSS with the modules loaded, before any client (after a forced GC)
//   rampS          seconds until every client was connected
//   peakKb         highest RSS during the hold
//   settledKb      median RSS over the second half of the hold: what the process keeps once
//                  the ramp's garbage has been dealt with by the worker's own GCs (no forced GC)
//   heapKb         V8 heap pages resident at the end of the hold (total_physical_size)
//   nonHeapKb      anonymous RSS outside V8's heap at the end of the hold (malloc: sockets'
//                  native state, buffers; thread stacks); RssAnon − heapKb
//   heapBeforeKb / heapAfterGcKb   heap in use before the clients and after a forced GC at the
//                  end: the clients' live objects, without the heap's slack
//   cpuHoldS       CPU seconds the process used during the hold (heartbeats, its GCs)
import {readFileSync} from 'node:fs'
import v8 from 'node:v8'
import {setTimeout as sleep} from 'node:timers/promises'
import {pathToFileURL} from 'node:url'
import {join} from 'node:path'

const [mode, clientsArg, holdArg, urlsArg] = process.argv.slice(2)
const clients = Number(clientsArg)
const holdS = Number(holdArg)
const urls = JSON.parse(urlsArg)
const root = process.cwd()
const status = () => readFileSync('/proc/self/status', 'utf8')
const field = (text, name) => Number(text.match(new RegExp(`${name}:\\s+(\\d+)`))[1])
const rssKb = () => field(status(), 'VmRSS')
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
const rampFrom = performance.now()
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
  const deadline = Date.now() + 240_000
  while (vus < clients && Date.now() < deadline) await sleep(250)
  connected = () => vus
  stop = () => worker.handle({type: 'finish'})
}

const rampS = Math.round(performance.now() / 100 - rampFrom / 100) / 10
const samples = []
const cpu0 = process.cpuUsage()
const until = Date.now() + holdS * 1000
while (Date.now() < until) {
  samples.push(rssKb())
  await sleep(250)
}
const cpu = process.cpuUsage(cpu0)
const end = status()
const heapKb = Math.round(v8.getHeapStatistics().total_physical_size / 1024)
const nonHeapKb = field(end, 'RssAnon') - heapKb
const peak = Math.max(...samples)
const late = samples.slice(samples.length >> 1).sort((a, b) => a - b)
const settled = late[late.length >> 1]
global.gc?.()
const heapAfterGcKb = Math.round(process.memoryUsage().heapUsed / 1024)
const reached = connected()
await Promise.race([stop(), sleep(5000)])
process.stdout.write(`${JSON.stringify({mode, clients, connected: reached, rampS, beforeKb: before, peakKb: peak, settledKb: settled, heapKb, nonHeapKb, heapBeforeKb: heapBefore, heapAfterGcKb, cpuHoldS: Math.round((cpu.user + cpu.system) / 1e4) / 100})}\n`)
process.exit(0)
