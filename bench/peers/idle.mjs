// bench/peers/idle.mjs: the idle-connection job of bench:peers. N WebSocket connections (5,000
// and 10,000; --quick: 1,000 and 2,000), each sending one heartbeat every 5 s, against one raw
// `ws` server (bench/lib/ws-server.mjs, its own process: pongs pings, echoes messages), held for a
// while after the ramp. Tools, one after the other, each against a fresh server:
//   imh       `imh load` ws-ping (a WebSocket ping per heartbeat, each pong's round trip timed)
//   artillery Artillery 2's ws engine (a text message per heartbeat, not timed), installed into
//             bench/.peers on first use
//   tsung     Tsung's websocket plugin (a text message per heartbeat), from Debian
// Per tool and size: peak RSS summed over the tool's processes (the server's apart), CPU seconds,
// and what the tool itself measured; per tool: KB added per extra connection from the small size
// to the large one. PEERS_IDLE_TOOLS=imh,tsung runs only those tools; PEERS_IMH_ROOT=<dir> runs the
// imh of another checkout (a before/after comparison).
import {mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {aptTool, npmTool, treeSampler} from '../lib/peers.mjs'
import {round, runImhLoad, startReadyChild} from '../lib/proc.mjs'
import {spawn} from 'node:child_process'

const HEARTBEAT_S = 5

export default {
  name: 'idle',
  async run({root, scratch, quick, log}) {
    const sizes = quick ? [1000, 2000] : [5000, 10_000]
    const rampS = quick ? 5 : 25
    const holdS = quick ? 10 : 30
    const tools = {imh: {}, artillery: {}, tsung: {}}
    let artillery
    const only0 = process.env.PEERS_IDLE_TOOLS?.split(',')
    if (!only0 || only0.includes('artillery')) try {
      artillery = await npmTool(scratch, 'artillery@2', 'artillery', log)
    } catch (err) {
      tools.artillery.error = err.message
    }
    const tsung = !only0 || only0.includes('tsung') ? await aptTool('tsung', 'tsung', log) : {}
    if (tsung.error) tools.tsung.error = tsung.error
    const runners = {imh: runImh, artillery: artillery && runArtillery, tsung: tsung.path && runTsung}
    const only = process.env.PEERS_IDLE_TOOLS?.split(',')
    for (const [name, runner] of Object.entries(runners)) {
      if (!runner || (only && !only.includes(name))) continue
      for (const n of sizes) {
        log(`${name} ${n} connections (ramp ${rampS} s, hold ${holdS} s)`)
        const server = await startReadyChild(['bench/lib/ws-server.mjs', String(rampS + holdS + 120)], 'ws server', root)
        const tmp = mkdtempSync(join(tmpdir(), `imh-peers-${name}-`))
        try {
          const r = await runner({root, tmp, n, rampS, holdS, port: server.ready.port, bin: name === 'artillery' ? artillery : tsung.path})
          tools[name][n] = r
          log(`  peak RSS ${r.peakRssMb} MB over ${r.processesAtPeak} processes, CPU ${r.cpuSeconds} s${r.error ? `, error: ${r.error}` : ''}`)
        } catch (err) {
          tools[name][n] = {error: err.message}
          log(`  failed: ${err.message}`)
        } finally {
          await server.stop()
          rmSync(tmp, {recursive: true, force: true})
        }
      }
      const [a, b] = sizes.map((n) => tools[name][n]?.peakRssKb)
      if (a && b) tools[name].kbPerExtraConnection = round((b - a) / (sizes[1] - sizes[0]), 1)
    }
    const big = sizes[1]
    const rss = (t) => tools[t][big]?.peakRssMb
    return {
      description: `${sizes.join(' and ')} WebSocket connections, one heartbeat every ${HEARTBEAT_S} s, ramp ${rampS} s + hold ${holdS} s, against one raw ws server in its own process; peak RSS summed over each tool's processes (server excluded), sampled every 0.5 s from /proc`,
      sizes,
      tools,
      imhAtOrBelowArtillery: rss('imh') && rss('artillery') ? rss('imh') <= rss('artillery') : null,
    }
  },
}

async function sampled(spawnIt) {
  let pid
  const sampler = treeSampler(() => (pid ? [pid] : []))
  const out = await spawnIt((p) => (pid = p))
  sampler.sample()
  return {...sampler.stop(), ...out}
}

async function runImh({root, tmp, n, rampS, holdS, port}) {
  const profile = join(tmp, 'idle.yaml')
  writeFileSync(profile, JSON.stringify({
    name: 'peers-idle',
    description: 'idle WebSocket connections, a ping every 5 s',
    options: {drain: '0s'},
    scenarios: {idle: {scenario: 'ws-ping', executor: 'constant-vus', vus: n, duration: `${rampS + holdS}s`, heartbeatInterval: `${HEARTBEAT_S}s`}},
  }))
  const results = join(tmp, 'results.json')
  const args = ['--profile', profile, '--target', `ws://127.0.0.1:${port}/`, '--out', results, '--quiet']
  const r = await sampled((onSpawn) => runImhLoad(args, {cwd: process.env.PEERS_IMH_ROOT ?? root, timeoutMs: (rampS + holdS + 90) * 1000, onSpawn}))
  let measured
  try {
    const res = JSON.parse(readFileSync(results, 'utf8'))
    const hb = res.metrics?.heartbeat_rtt
    measured = {heartbeats: hb?.count, heartbeatRttMs: hb && {p50: hb.p50, p99: hb.p99, max: hb.max}, connectedPeak: Math.max(0, ...(res.timeSeries ?? []).map((s) => s.vus ?? 0)), errors: res.counters?.errors ?? 0, saturated: res.saturation?.flagged}
  } catch {
    measured = {error: `no results (exit ${r.code ?? r.signal}): ${r.output.slice(-400)}`}
  }
  return {peakRssMb: r.peakRssMb, peakRssKb: r.peakRssKb, processesAtPeak: r.processesAtPeak, rssMbEachAtPeak: r.rssMbEachAtPeak, cpuSeconds: r.cpuSeconds, exit: r.code ?? r.signal, measured}
}

function spawnBounded(cmd, argv, {cwd, env, timeoutMs, onSpawn}) {
  const child = spawn(cmd, argv, {cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe']})
  onSpawn(child.pid)
  let output = ''
  const keep = (d) => (output = (output + d).slice(-20_000))
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL')
    } catch {
      // gone
    }
  }, timeoutMs)
  return new Promise((resolve) => {
    child.once('error', (err) => resolve({code: -1, output: err.message}))
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      // Tsung leaves its Erlang VM's helpers (epmd) behind; end the group we started.
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {
        // gone
      }
      resolve({code: code ?? signal, output})
    })
  })
}

async function runArtillery({tmp, n, rampS, holdS, port, bin}) {
  const loops = Math.ceil((rampS + holdS) / HEARTBEAT_S)
  const script = join(tmp, 'idle.yml')
  writeFileSync(script, JSON.stringify({
    config: {target: `ws://127.0.0.1:${port}`, phases: [{duration: rampS, arrivalCount: n}]},
    scenarios: [{engine: 'ws', flow: [{loop: [{send: 'ping'}, {think: HEARTBEAT_S}], count: loops}]}],
  }))
  const report = join(tmp, 'report.json')
  const env = {...process.env, ARTILLERY_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: '1'}
  const r = await sampled((onSpawn) => spawnBounded(process.execPath, [bin, 'run', '--output', report, script], {cwd: tmp, env, timeoutMs: (rampS + holdS + 120) * 1000, onSpawn}))
  let measured
  try {
    const agg = JSON.parse(readFileSync(report, 'utf8')).aggregate
    measured = {counters: agg.counters, note: 'Artillery counts messages sent; it does not time a round trip per heartbeat'}
  } catch {
    measured = {error: `no report (exit ${r.code}): ${r.output.slice(-400)}`}
  }
  return {peakRssMb: r.peakRssMb, peakRssKb: r.peakRssKb, processesAtPeak: r.processesAtPeak, rssMbEachAtPeak: r.rssMbEachAtPeak, cpuSeconds: r.cpuSeconds, exit: r.code, measured}
}

async function runTsung({tmp, n, rampS, holdS, port, bin}) {
  const loops = Math.ceil(holdS / HEARTBEAT_S) + Math.ceil(rampS / HEARTBEAT_S)
  // Tsung's arrivals are a Poisson process: the phase runs past the ramp (capped at n users) so
  // that all n arrive.
  const conf = join(tmp, 'idle.xml')
  writeFileSync(conf, `<?xml version="1.0"?>
<!DOCTYPE tsung SYSTEM "/usr/share/tsung/tsung-1.0.dtd">
<tsung loglevel="error" dumptraffic="false">
  <clients><client host="localhost" use_controller_vm="true" maxusers="${n + 1000}"/></clients>
  <servers><server host="127.0.0.1" port="${port}" type="tcp"/></servers>
  <load duration="${rampS + holdS + 30}" unit="second">
    <arrivalphase phase="1" duration="${rampS + Math.ceil(holdS / 2)}" unit="second"><users maxnumber="${n}" arrivalrate="${Math.ceil(n / rampS)}" unit="second"/></arrivalphase>
  </load>
  <sessions>
    <session name="idle" probability="100" type="ts_websocket">
      <request><websocket type="connect" path="/"/></request>
      <for from="1" to="${loops}" var="i">
        <request><websocket type="message" ack="no_ack">ping</websocket></request>
        <thinktime value="${HEARTBEAT_S}" random="false"/>
      </for>
    </session>
  </sessions>
</tsung>
`)
  const logDir = join(tmp, 'log')
  const r = await sampled((onSpawn) => spawnBounded(bin, ['-f', conf, '-l', logDir, '-n', 'start'], {cwd: tmp, timeoutMs: (rampS + holdS + 120) * 1000, onSpawn}))
  let measured
  try {
    const [run] = readdirSync(logDir)
    const log = readFileSync(join(logDir, run, 'tsung.log'), 'utf8')
    const last = (name) => [...log.matchAll(new RegExp(`^stats: ${name} (.*)$`, 'gm'))].at(-1)?.[1]
    // "stats: users <now> <max>": the most users Tsung held at once.
    const usersMax = Number(last('users')?.split(' ')[1])
    measured = {usersMax, reachedTarget: usersMax >= n, usersLast: last('users'), usersCount: last('users_count'), note: 'Tsung logs users and request counts every 10 s; no round trip per heartbeat (ack=no_ack)'}
  } catch (err) {
    measured = {error: `no tsung.log (exit ${r.code}): ${err.message}; ${r.output.slice(-400)}`}
  }
  return {peakRssMb: r.peakRssMb, peakRssKb: r.peakRssKb, processesAtPeak: r.processesAtPeak, rssMbEachAtPeak: r.rssMbEachAtPeak, cpuSeconds: r.cpuSeconds, exit: r.code, measured}
}
