#!/usr/bin/env node
// bench/overhead.mjs: what does `imh load` add to a measured round trip? Heartbeat RTT of a raw
// `ws` ping/pong loop against that of `imh load` (ws-ping scenario) on the same number of
// connections, each against a fresh plain `ws` WebSocketServer in a child process on 127.0.0.1,
// all in this one run. Rounds alternate the order (raw, imh, imh, raw, …) so drift over the run
// does not favour either side. Extra: the protocol heartbeat (NOOP over our framing, heartbeat
// scenario) against the embedded reference server, for information.
//
//   npm run bench:overhead
//   node bench/overhead.mjs --clients 500 --seconds 20 --rounds 2 [--no-protocol]
//
// Writes bench/results/overhead.json.
import {spawn} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {createInterface} from 'node:readline'
import {setTimeout as sleep} from 'node:timers/promises'
import {fileURLToPath} from 'node:url'
import WebSocket from 'ws'
import {LatencyHistogram} from '../dist/src/common/histogram.js'
import {parseArgs, processInfo, processTree, round, runImhLoad} from './lib/proc.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const args = parseArgs(process.argv.slice(2), {clients: 'number', seconds: 'number', rounds: 'number', 'no-protocol': 'boolean', out: 'string'})
const N = args.clients ?? 500
const SECONDS = args.seconds ?? 20
const ROUNDS = args.rounds ?? 2
const INTERVAL_MS = 1000
const PAYLOAD = Buffer.alloc(16, 0x69) // the ws-ping scenario's default payloadSize
const SOURCE_ADDRESSES = 16 // imh's default options.sourceAddresses: 127.0.0.2 … 127.0.0.17
const CONNECT_CONCURRENCY = 100 // imh's default options.rampConcurrency
const TIMEOUT_MS = 10_000
const outFile = args.out ?? join(root, 'bench/results/overhead.json')
if (!Number.isInteger(N) || N < 1 || N > 5000) throw new Error('--clients must be an integer from 1 to 5000')
if (!(SECONDS >= 2 && SECONDS <= 120)) throw new Error('--seconds must be from 2 to 120')
if (!Number.isInteger(ROUNDS) || ROUNDS < 1 || ROUNDS > 5) throw new Error('--rounds must be an integer from 1 to 5')

const tmp = mkdtempSync(join(tmpdir(), 'imh-bench-overhead-'))
const now = () => performance.timeOrigin + performance.now()

/** A fresh plain ws server in a child process; resolves once it listens. */
async function startWsServer() {
  const child = spawn(process.execPath, [join(root, 'bench/lib/ws-server.mjs'), '300'], {stdio: ['ignore', 'pipe', 'inherit']})
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the ws server did not start within 10 s')), 10_000)
    createInterface({input: child.stdout}).on('line', (line) => {
      try {
        const m = JSON.parse(line)
        if (m.event === 'ready') {
          clearTimeout(timer)
          resolve(m.port)
        }
      } catch {
        // not ours
      }
    })
    child.once('exit', (code) => reject(new Error(`the ws server exited (${code})`)))
  })
  return {
    port,
    pid: child.pid,
    async close() {
      if (child.exitCode !== null) return
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await Promise.race([exited, sleep(5000)])
      if (child.exitCode === null) child.kill('SIGKILL')
    },
  }
}

/**
 * The baseline: N plain ws clients in this process, opened CONNECT_CONCURRENCY at a time, each
 * pinging every INTERVAL_MS from a random phase as soon as it is open, for SECONDS from the first
 * connect (as the ws-ping scenario does), timing each pong (FIFO per connection).
 */
async function rawRun(port) {
  const url = `ws://127.0.0.1:${port}/`
  const hist = new LatencyHistogram()
  const perSecond = new Map()
  let errors = 0
  let timeouts = 0
  const sockets = []
  const cpu0 = process.cpuUsage()
  const t0 = now()
  const endAt = t0 + SECONDS * 1000
  const loops = []
  const loop = async (ws) => {
    const pongs = []
    ws.on('pong', () => pongs.shift()?.())
    await sleep(Math.random() * INTERVAL_MS)
    while (now() < endAt && ws.readyState === WebSocket.OPEN) {
      const start = now()
      const ok = await new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), TIMEOUT_MS)
        pongs.push(() => {
          clearTimeout(timer)
          resolve(true)
        })
        ws.ping(PAYLOAD)
      })
      if (!ok) {
        timeouts++
        continue
      }
      const rtt = now() - start
      hist.record(rtt)
      const second = Math.ceil((now() - t0) / 1000)
      let h = perSecond.get(second)
      if (!h) perSecond.set(second, (h = new LatencyHistogram()))
      h.record(rtt)
      const wait = start + INTERVAL_MS - now()
      if (wait > 0 && now() + wait < endAt) await sleep(wait)
      else if (wait > 0) break
    }
  }
  let next = 0
  const opener = async () => {
    while (next < N) {
      const i = next++
      const ws = new WebSocket(url, {perMessageDeflate: false, localAddress: `127.0.0.${2 + (i % SOURCE_ADDRESSES)}`, handshakeTimeout: TIMEOUT_MS})
      ws.on('error', () => {})
      const opened = await new Promise((resolve) => {
        ws.once('open', () => resolve(true))
        ws.once('error', () => resolve(false))
      })
      if (!opened) {
        errors++
        continue
      }
      sockets.push(ws)
      loops.push(loop(ws))
    }
  }
  await Promise.all(Array.from({length: CONNECT_CONCURRENCY}, opener))
  const connectedMs = now() - t0
  await Promise.all(loops)
  const cpu = process.cpuUsage(cpu0)
  for (const ws of sockets) ws.terminate()
  const s = hist.summary()
  return {
    connections: sockets.length,
    connectAllMs: round(connectedMs, 1),
    heartbeat_rtt: {count: s.count, min: s.min, p50: s.p50, p90: s.p90, p99: s.p99, p999: s.p999, max: s.max},
    histogram: hist.encode(),
    perSecond: [...perSecond].sort((a, b) => a[0] - b[0]).map(([sec, h]) => ({second: sec, count: h.count, p50: h.percentile(50), p99: h.percentile(99)})),
    errors: errors + timeouts,
    timeouts,
    clientCpuSeconds: round((cpu.user + cpu.system) / 1e6, 2),
  }
}

/** `imh load` on a profile, sampling its worker processes' CPU; returns the parsed results.json. */
async function imhRun(profile, extra) {
  const out = join(tmp, `r-${Math.random().toString(36).slice(2)}.json`)
  const imhArgs = ['--profile', profile, '--clients', String(N), '--duration', `${SECONDS}s`, '--out', out, '--quiet', ...extra]
  let rootPid
  const lastCpu = new Map()
  const sampler = setInterval(() => {
    if (!rootPid) return
    for (const pid of processTree(rootPid)) {
      const info = processInfo(pid)
      if (info && info.cmdline.some((a) => a.endsWith('worker-main.js'))) lastCpu.set(pid, info.cpuS)
    }
  }, 1000)
  const run = await runImhLoad(imhArgs, {cwd: root, timeoutMs: (SECONDS + 90) * 1000, onSpawn: (pid) => (rootPid = pid)})
  clearInterval(sampler)
  let res
  try {
    res = JSON.parse(readFileSync(out, 'utf8'))
  } catch {
    throw new Error(`imh load wrote no results (exit ${run.code ?? run.signal}${run.timedOut ? ', killed after the time limit' : ''}):\n${run.output}`)
  }
  const m = res.metrics.heartbeat_rtt
  return {
    command: `node bin/run.js load ${imhArgs.join(' ').replace(out, '<tmp>/results.json')}`,
    exitCode: run.code,
    connections: Math.max(0, ...res.timeSeries.map((s) => s.vus)),
    heartbeat_rtt: m ? {count: m.count, min: m.min, p50: m.p50, p90: m.p90, p99: m.p99, p999: m.p999, max: m.max} : null,
    histogram: m?.histogram,
    perSecond: res.timeSeries.filter((s) => s.metrics.heartbeat_rtt).map((s) => ({second: s.second, count: s.metrics.heartbeat_rtt.count, p50: s.metrics.heartbeat_rtt.p50, p99: s.metrics.heartbeat_rtt.p99})),
    errors: res.counters.errors ?? 0,
    errorsByCode: res.errors,
    saturation: {flagged: res.saturation.flagged, maxEventLoopLagMs: res.saturation.maxEventLoopLagMs},
    // CPU of the worker processes up to the last sample (≤ 1 s before they exited).
    clientCpuSeconds: round([...lastCpu.values()].reduce((a, b) => a + b, 0), 2),
    runError: res.runError ?? null,
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length ? s[Math.floor(s.length / 2)] : null
}
/** Median over the seconds of the per-second p50 and p99, the first second (connecting) left out. */
const steady = (perSecond) => {
  const xs = perSecond.filter((s) => s.second > 1 && s.count > 0)
  return {seconds: xs.length, medianP50: median(xs.map((s) => s.p50)), medianP99: median(xs.map((s) => s.p99))}
}
const pooled = (runs) => {
  const h = new LatencyHistogram()
  for (const r of runs) if (r.histogram) h.add(LatencyHistogram.decode(r.histogram))
  const s = h.summary()
  return {count: s.count, p50: s.p50, p90: s.p90, p99: s.p99, p999: s.p999, max: s.max}
}
const compare = (imh, raw) => ({
  p50DiffMs: round(imh.p50 - raw.p50),
  p99DiffMs: round(imh.p99 - raw.p99),
  p50Ratio: round(imh.p50 / raw.p50, 2),
  p99Ratio: round(imh.p99 / raw.p99, 2),
})

// ---- the run -----------------------------------------------------------------------------------
const wall0 = performance.now()
// Relative to the repository root, where imh load runs.
const wsProfile = 'bench/profiles/overhead.yaml'
const rounds = []
const order = []
for (let r = 0; r < ROUNDS; r++) order.push(...(r % 2 === 0 ? ['raw', 'imh'] : ['imh', 'raw']))
console.log(`bench:overhead  ${N} connections, ping every ${INTERVAL_MS} ms for ${SECONDS} s, order ${order.join(', ')}`)
const raws = []
const imhs = []
try {
  for (const [k, kind] of order.entries()) {
    const server = await startWsServer()
    try {
      if (kind === 'raw') {
        const r = await rawRun(server.port)
        raws.push(r)
        rounds.push({kind, ...r, histogram: undefined})
      } else {
        const r = await imhRun(wsProfile, ['--target', `ws://127.0.0.1:${server.port}/`])
        imhs.push(r)
        rounds.push({kind, ...r, histogram: undefined})
      }
      const last = rounds.at(-1)
      console.log(`  ${String(k + 1).padStart(2)} ${kind.padEnd(4)} p50 ${last.heartbeat_rtt?.p50} ms  p99 ${last.heartbeat_rtt?.p99} ms  (${last.heartbeat_rtt?.count} pongs, ${last.connections} conns, ${last.errors} errors, client CPU ${last.clientCpuSeconds} s)`)
    } finally {
      await server.close()
    }
  }

  let protocol = null
  if (!args['no-protocol']) {
    const r = await imhRun('bench/profiles/overhead-protocol.yaml', [])
    protocol = {...r, histogram: undefined, steady: steady(r.perSecond)}
    console.log(`  +  NOOP p50 ${r.heartbeat_rtt?.p50} ms  p99 ${r.heartbeat_rtt?.p99} ms  (${r.heartbeat_rtt?.count} heartbeats, protocol heartbeat against the reference server)`)
  }

  const raw = pooled(raws)
  const imh = pooled(imhs)
  const rawSteady = steady(raws.flatMap((r) => r.perSecond))
  const imhSteady = steady(imhs.flatMap((r) => r.perSecond))
  const result = {
    benchmark: 'overhead',
    description: 'heartbeat RTT of a raw ws ping/pong loop vs imh load (ws-ping) on the same number of connections, each against a fresh plain ws server in its own process on 127.0.0.1',
    date: new Date().toISOString(),
    machine: {node: process.version, cpus: (await import('node:os')).cpus().length},
    setup: {connections: N, seconds: SECONDS, pingIntervalMs: INTERVAL_MS, payloadBytes: PAYLOAD.length, sourceAddresses: SOURCE_ADDRESSES, connectConcurrency: CONNECT_CONCURRENCY, rounds: ROUNDS, order, imhWorkers: 1},
    commands: {imh: imhs[0]?.command, protocol: protocol?.command},
    pooled: {raw, imh, imhMinusRaw: compare(imh, raw)},
    steadyState: {raw: rawSteady, imh: imhSteady, imhMinusRaw: {medianP50DiffMs: round(imhSteady.medianP50 - rawSteady.medianP50), medianP99DiffMs: round(imhSteady.medianP99 - rawSteady.medianP99)}, note: 'median over the seconds (second 1 left out) of each second\'s p50 / p99, all rounds of a kind together'},
    clientCpuSeconds: {raw: raws.map((r) => r.clientCpuSeconds), imhWorker: imhs.map((r) => r.clientCpuSeconds)},
    perRun: rounds.map((r) => ({kind: r.kind, heartbeat_rtt: r.heartbeat_rtt, connections: r.connections, errors: r.errors, clientCpuSeconds: r.clientCpuSeconds, ...(r.kind === 'imh' ? {saturation: r.saturation, exitCode: r.exitCode} : {connectAllMs: r.connectAllMs}), perSecond: r.perSecond})),
    protocolHeartbeat: protocol && {
      note: 'extra, not a like-for-like comparison: the heartbeat scenario (login, then NOOP over the IM framing every 1 s) against the embedded reference server (its own process), same connection count',
      heartbeat_rtt: protocol.heartbeat_rtt,
      steady: protocol.steady,
      minusImhWsPing: protocol.heartbeat_rtt && compare(protocol.heartbeat_rtt, imh),
      errors: protocol.errors,
      saturation: protocol.saturation,
      perSecond: protocol.perSecond,
    },
    wallSeconds: round((performance.now() - wall0) / 1000, 1),
  }
  mkdirSync(dirname(outFile), {recursive: true})
  writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`)

  const c = result.pooled.imhMinusRaw
  const sd = result.steadyState
  console.log(`
heartbeat RTT, ${N} connections, all rounds pooled (ms)
               count     p50     p90     p99    p99.9
  raw ws   ${[raw.count, raw.p50, raw.p90, raw.p99, raw.p999].map((x) => String(x).padStart(7)).join(' ')}
  imh load ${[imh.count, imh.p50, imh.p90, imh.p99, imh.p999].map((x) => String(x).padStart(7)).join(' ')}
  imh − raw: p50 ${c.p50DiffMs >= 0 ? '+' : ''}${c.p50DiffMs} ms (×${c.p50Ratio}), p99 ${c.p99DiffMs >= 0 ? '+' : ''}${c.p99DiffMs} ms (×${c.p99Ratio})
  steady state (median of per-second figures): raw p50 ${sd.raw.medianP50} p99 ${sd.raw.medianP99}; imh p50 ${sd.imh.medianP50} p99 ${sd.imh.medianP99}
  client CPU: raw ${result.clientCpuSeconds.raw.join(', ')} s; imh worker ${result.clientCpuSeconds.imhWorker.join(', ')} s${protocol ? `
  protocol heartbeat (NOOP, reference server): p50 ${protocol.heartbeat_rtt?.p50} ms, p99 ${protocol.heartbeat_rtt?.p99} ms` : ''}
wall time ${result.wallSeconds} s; written to ${outFile.startsWith(root) ? outFile.slice(root.length + 1) : outFile}`)
} finally {
  rmSync(tmp, {recursive: true, force: true})
}
