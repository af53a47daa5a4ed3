// bench/lib/transport-child.mjs: one measurement of bench/transport.mjs, in a fresh process started
// with a load worker's flags and environment. argv: <mode> <transport> <clients> <holdS> <json opts>
// (opts: scheduler, heartbeatMs, messageRate, rampConcurrency). Connects `clients` VirtualClients
// over `transport` (ws or tcp), then holds them `holdS` seconds:
//   heartbeat  every client heartbeats (NOOP) every heartbeatMs; nothing else
//   chat       clients in pairs; each sends its peer `messageRate` messages a second (and
//              heartbeats); a message's delivery latency is from send to the peer's SYNC
// Prints a JSON line {event: 'hold-start'} when every client is connected (the parent reads the
// server's CPU there) and one {event: 'hold-end', …} with the results (kB, seconds, ms):
//   beforeKb, settledKb (median RSS over the hold's second half), peakKb, cpuHoldS,
//   heartbeats, heartbeatP50/P99Ms (round trips during the hold), messages, deliveryP50/P99Ms.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {pathToFileURL} from 'node:url'

const [mode, transport, clientsArg, holdArg, optsArg] = process.argv.slice(2)
const clients = Number(clientsArg)
const holdS = Number(holdArg)
const o = JSON.parse(optsArg)
const rssKb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1])
const {VirtualClient} = await import(pathToFileURL(join(process.cwd(), 'dist/src/client/index.js')).href)

global.gc?.()
await sleep(300)
const beforeKb = rssKb()
const run = `tb${process.pid}`
let holding = false
const rtts = []
const deliveries = []
let errors = 0
const observer = {
  heartbeat(_c, ms) {
    if (holding) rtts.push(ms)
  },
  message(_c, m) {
    const sentAt = Number(String(m.content).split(' ')[0])
    if (holding && Number.isFinite(sentAt)) deliveries.push(performance.timeOrigin + performance.now() - sentAt)
  },
  error() {
    errors++
  },
}
const all = []
const open = async (i) => {
  const c = new VirtualClient({
    resolve: {scheduler: o.scheduler, clientId: `${run}-${i}`}, credentials: {username: `${run}-${i}`, password: 'bench-pw'}, register: true,
    heartbeat: o.heartbeatMs, transport, observer,
  })
  await c.start()
  all[i] = c
}
const t0 = performance.now()
for (let i = 0; i < clients; i += o.rampConcurrency) {
  await Promise.all(Array.from({length: Math.min(o.rampConcurrency, clients - i)}, (_, k) => open(i + k).catch(() => errors++)))
}
const connected = all.filter(Boolean).length
const rampS = Math.round((performance.now() - t0) / 100) / 10
process.stdout.write(`${JSON.stringify({event: 'hold-start', connected, rampS})}\n`)
holding = true
const cpu0 = process.cpuUsage()
let messages = 0
let sendTimer
if (mode === 'chat') {
  // Pairs (0,1), (2,3) …: a send every 1/messageRate s per client, spread over that period by a
  // shared timer that sends for the clients whose turn it is.
  const periodMs = 1000 / o.messageRate
  const tickMs = 50
  let tick = 0
  const ticksPerPeriod = Math.max(1, Math.round(periodMs / tickMs))
  sendTimer = setInterval(() => {
    const slot = tick++ % ticksPerPeriod
    for (let i = slot; i < all.length; i += ticksPerPeriod) {
      const c = all[i]
      const peer = all[i ^ 1]
      if (!c || !peer?.userId) continue
      messages++
      c.sendText(peer.userId, `${performance.timeOrigin + performance.now()} bench`, `${run}-${i}-${tick}`).catch(() => errors++)
    }
  }, tickMs)
}
const samples = []
const until = Date.now() + holdS * 1000
while (Date.now() < until) {
  samples.push(rssKb())
  await sleep(250)
}
clearInterval(sendTimer)
holding = false
const cpu = process.cpuUsage(cpu0)
const late = samples.slice(samples.length >> 1).sort((a, b) => a - b)
const pct = (list, p) => {
  if (list.length === 0) return null
  const s = [...list].sort((a, b) => a - b)
  return Math.round(s[Math.min(s.length - 1, Math.floor(p / 100 * s.length))] * 1000) / 1000
}
process.stdout.write(`${JSON.stringify({
  event: 'hold-end', mode, transport, clients, connected, rampS, beforeKb, settledKb: late[late.length >> 1], peakKb: Math.max(...samples),
  cpuHoldS: Math.round((cpu.user + cpu.system) / 1e4) / 100, heartbeats: rtts.length, heartbeatP50Ms: pct(rtts, 50), heartbeatP99Ms: pct(rtts, 99),
  messages, delivered: deliveries.length, deliveryP50Ms: pct(deliveries, 50), deliveryP99Ms: pct(deliveries, 99), errors,
})}\n`)
await Promise.race([Promise.all(all.filter(Boolean).map((c) => c.close().catch(() => undefined))), sleep(5000)])
process.exit(0)
