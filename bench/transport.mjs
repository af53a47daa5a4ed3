#!/usr/bin/env node
// bench/transport.mjs: what does the long link cost over TCP against over WebSocket (issue 18)?
// The same population, one transport after the other, each against a fresh `imh serve` (core
// flow only, --password-cost 4 so that logging in measures the protocol, not scrypt), with the
// clients in one process started with a load worker's flags and environment
// (bench/lib/transport-child.mjs):
//   heartbeat  --clients idle clients, each heartbeating (a NOOP frame) every --heartbeat s, held
//              --hold s: RSS per client of the harness and of the server, CPU per heartbeat of
//              each, heartbeat round trip p50/p99;
//   chat       --chat-clients clients in pairs, each sending its peer --message-rate messages a
//              second for --hold s: messages delivered per second, delivery p50/p99 (send to the
//              peer's SYNC), CPU per message of each side, RSS per client.
// RSS per client: (RSS at the end of the hold − RSS before any client) / clients connected, the
// harness's the median of its hold's second half. CPU: seconds used during the hold.
//
//   npm run bench:transport                                   # 10,000 heartbeating, 2,000 chatting
//   node bench/transport.mjs --clients 500 --chat-clients 200 --hold 10    # a small trial
//   node bench/transport.mjs --modes heartbeat --transports tcp
//
// Options: --clients N (10000), --chat-clients N (2000), --hold S (30), --heartbeat S (5),
// --message-rate R (0.5 per client per second), --ramp-concurrency N (50), --modes
// heartbeat,chat, --transports ws,tcp, --out FILE (bench/results/transport.json).
import {spawn} from 'node:child_process'
import {mkdirSync, writeFileSync} from 'node:fs'
import {cpus, loadavg, totalmem} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {createInterface} from 'node:readline'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {parseArgs, processInfo, round, startReadyChild} from './lib/proc.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const args = parseArgs(process.argv.slice(2), {clients: 'number', 'chat-clients': 'number', hold: 'number', heartbeat: 'number', 'message-rate': 'number', 'ramp-concurrency': 'number', modes: 'string', transports: 'string', out: 'string'})
const clients = args.clients ?? 10_000
const chatClients = args['chat-clients'] ?? Math.min(clients, 2000)
const holdS = args.hold ?? 30
const heartbeatS = args.heartbeat ?? 5
const messageRate = args['message-rate'] ?? 0.5
const rampConcurrency = args['ramp-concurrency'] ?? 50
const modes = (args.modes ?? 'heartbeat,chat').split(',').map((s) => s.trim())
const transports = (args.transports ?? 'ws,tcp').split(',').map((s) => s.trim())
for (const m of modes) if (!['heartbeat', 'chat'].includes(m)) throw new Error(`--modes: heartbeat and/or chat, got ${m}`)
for (const t of transports) if (!['ws', 'tcp'].includes(t)) throw new Error(`--transports: ws and/or tcp, got ${t}`)
for (const [name, v] of [['clients', clients], ['chat-clients', chatClients], ['hold', holdS], ['heartbeat', heartbeatS], ['message-rate', messageRate], ['ramp-concurrency', rampConcurrency]]) {
  if (!(v > 0)) throw new Error(`--${name} must be above 0, got ${v}`)
}
if (chatClients % 2 !== 0) throw new Error('--chat-clients: an even number (clients chat in pairs)')
const outFile = args.out ?? join(root, 'bench/results/transport.json')
const pool = await import(pathToFileURL(join(root, 'dist/src/load/worker-pool.js')).href)

/** Runs the child; `onHold(event)` is called at its hold-start and hold-end lines; resolves with hold-end. */
function runChild(mode, transport, n, scheduler, onHold) {
  const opts = {scheduler, heartbeatMs: heartbeatS * 1000, messageRate, rampConcurrency}
  const child = spawn(process.execPath, ['--expose-gc', ...pool.WORKER_EXEC_ARGV, 'bench/lib/transport-child.mjs', mode, transport, String(n), String(holdS), JSON.stringify(opts)], {
    cwd: root, env: {...process.env, ...pool.workerEnv()}, stdio: ['ignore', 'pipe', 'inherit'],
  })
  // Bounded: a ramp at 20 clients/s at worst, the hold, and the close.
  const timer = setTimeout(() => child.kill('SIGKILL'), (n / 20 + holdS + 60) * 1000)
  let end
  createInterface({input: child.stdout}).on('line', (line) => {
    let m
    try {
      m = JSON.parse(line)
    } catch {
      return
    }
    onHold(m)
    if (m.event === 'hold-end') end = m
  })
  return new Promise((resolveIt, reject) => child.once('exit', (code) => {
    clearTimeout(timer)
    if (end) resolveIt(end)
    else reject(new Error(`${mode} over ${transport}: exit ${code}, no result`))
  }))
}

async function measure(mode, transport) {
  const n = mode === 'chat' ? chatClients : clients
  const server = await startReadyChild(['bin/run.js', 'serve', '--port', '0', '--flows', 'core', '--password-cost', '4'], 'imh serve', root)
  try {
    const before = processInfo(server.pid)
    let atStart
    let atEnd
    const r = await runChild(mode, transport, n, server.ready.scheduler, (m) => {
      if (m.event === 'hold-start') atStart = processInfo(server.pid)
      if (m.event === 'hold-end') atEnd = processInfo(server.pid)
    })
    const serverCpuS = atEnd.cpuS - atStart.cpuS
    const work = mode === 'chat' ? r.delivered : r.heartbeats
    const out = {
      clients: n, connected: r.connected, rampS: r.rampS, errors: r.errors,
      harnessKbPerClient: round((r.settledKb - r.beforeKb) / r.connected, 2),
      serverKbPerClient: round((atEnd.rssKb - before.rssKb) / r.connected, 2),
      harnessCpuHoldS: r.cpuHoldS, serverCpuHoldS: round(serverCpuS, 2),
      heartbeats: r.heartbeats, heartbeatP50Ms: r.heartbeatP50Ms, heartbeatP99Ms: r.heartbeatP99Ms,
    }
    if (mode === 'heartbeat') {
      Object.assign(out, {harnessCpuUsPerHeartbeat: round(r.cpuHoldS * 1e6 / work, 1), serverCpuUsPerHeartbeat: round(serverCpuS * 1e6 / work, 1)})
    } else {
      Object.assign(out, {
        messagesSent: r.messages, delivered: r.delivered, deliveredPerS: round(r.delivered / holdS, 1), deliveryP50Ms: r.deliveryP50Ms, deliveryP99Ms: r.deliveryP99Ms,
        harnessCpuUsPerMessage: round(r.cpuHoldS * 1e6 / work, 1), serverCpuUsPerMessage: round(serverCpuS * 1e6 / work, 1),
      })
    }
    return out
  } finally {
    await server.stop()
  }
}

const results = {}
for (const mode of modes) {
  results[mode] = {}
  for (const t of transports) {
    const m = (results[mode][t] = await measure(mode, t))
    console.log(`${mode} over ${t}: ${m.connected}/${m.clients} connected in ${m.rampS} s; RSS per client: harness ${m.harnessKbPerClient} kB, server ${m.serverKbPerClient} kB; ` +
      (mode === 'heartbeat'
        ? `${m.heartbeats} heartbeats, p50 ${m.heartbeatP50Ms} ms, p99 ${m.heartbeatP99Ms} ms; CPU per heartbeat: harness ${m.harnessCpuUsPerHeartbeat} µs, server ${m.serverCpuUsPerHeartbeat} µs`
        : `${m.deliveredPerS} messages/s delivered (of ${m.messagesSent} sent), p50 ${m.deliveryP50Ms} ms, p99 ${m.deliveryP99Ms} ms; CPU per message: harness ${m.harnessCpuUsPerMessage} µs, server ${m.serverCpuUsPerMessage} µs`) +
      `; errors ${m.errors}`)
  }
  const {ws, tcp} = results[mode]
  if (ws && tcp) {
    const ratio = (k) => (ws[k] ? round(tcp[k] / ws[k], 2) : null)
    results[mode].tcpOverWs = mode === 'heartbeat'
      ? {harnessKbPerClient: ratio('harnessKbPerClient'), serverKbPerClient: ratio('serverKbPerClient'), harnessCpuUsPerHeartbeat: ratio('harnessCpuUsPerHeartbeat'), serverCpuUsPerHeartbeat: ratio('serverCpuUsPerHeartbeat'), heartbeatP99Ms: ratio('heartbeatP99Ms')}
      : {deliveredPerS: ratio('deliveredPerS'), serverCpuUsPerMessage: ratio('serverCpuUsPerMessage'), harnessCpuUsPerMessage: ratio('harnessCpuUsPerMessage'), deliveryP99Ms: ratio('deliveryP99Ms')}
  }
}

mkdirSync(dirname(outFile), {recursive: true})
writeFileSync(outFile, `${JSON.stringify({
  benchmark: 'transport',
  description: `the long link over WebSocket and over TCP, one after the other, each against a fresh imh serve (--flows core --password-cost 4): ${modes.includes('heartbeat') ? `${clients} clients heartbeating every ${heartbeatS} s` : ''}${modes.length > 1 ? '; ' : ''}${modes.includes('chat') ? `${chatClients} clients chatting in pairs at ${messageRate} messages/s each` : ''}; held ${holdS} s after the ramp. Clients in one process with a load worker's flags (${pool.WORKER_EXEC_ARGV.join(' ')}). RSS per client: (end − before) / connected (harness: median of the hold's second half); CPU: during the hold, per heartbeat or per message delivered`,
  machine: {cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryMb: Math.round(totalmem() / 2 ** 20), node: process.version},
  date: new Date().toISOString(),
  options: {clients, chatClients, holdS, heartbeatS, messageRate, rampConcurrency, modes, transports},
  load: loadavg().map((l) => round(l, 2)),
  results,
}, null, 2)}\n`)
console.log(`written to ${outFile}`)
