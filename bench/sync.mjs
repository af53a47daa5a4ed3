#!/usr/bin/env node
// bench/sync.mjs: cycles on the long link (issue 14, item 2), against `imh serve` (core only) in
// its own process, and writes bench/results/sync.json.
//
// (a) frames per generator CPU-second, heartbeat and chat. `imh load <kind> --target … --rate R
//     --workers 1` at a fixed total rate the generator keeps, beside the baseline of the same
//     run: bench/lib/sync-raw.mjs, the same job as a bare `ws` loop with hand-built frames (no
//     codec, checks or metrics). Both are measured over a window after the ramp: the generator's
//     CPU (every process of it, /proc) and the server's, separately, and the frames. imh's frames
//     are counted from its per-second results: a heartbeat is 2 frames (NOOP, echo), a chat
//     message ≈ 5 (SEND_MSG, reply, SYNC_NOTIFY, SYNC, reply: the server may coalesce notifies,
//     so this is an upper bound); the baseline counts its own. The figures that travel are the
//     ratios: imh's frames per CPU-second ÷ the baseline's, and server CPU µs per frame, each the
//     median of --rounds rounds (3; --quick 1) of imh then baseline, as the machine's load moves.
// (b) delivered msg/s at p99 ≤ 50 ms: `imh load chat --rate R` in bounded steps with short holds,
//     until sync_latency p99 passes 50 ms, the rate is missed (under 95% sent) or the generator
//     stalls (a saturated second), judged over each step's steady seconds; the highest rate that
//     held is the figure. The p99 judged is the exact one over the steady seconds (their merged
//     HDR histograms, copied out of the load's workers by bench/lib/sync-hist-preload.mjs: the
//     reading of a k6/Gatling threshold over a window); the worst second's p99 (every steady
//     second ≤ 50 ms, the rule before) is reported beside it as `worstSecond` (see ladderJob for
//     why it is not the primary). After the first step that fails, the ladder bisects between the
//     highest rate held and the lowest failed down to --resolution msg/s (125), so that a change
//     that moves the knee shows. --imh DIR runs another checkout's `imh serve` and `imh load`
//     (e.g. b6669fa, before issue 14) under this bench's judgement: its results.json lacks `rate`
//     (rate missed), which the step judges from the sent counter of its steady seconds anyway.
//     Each step lists its slow seconds (p99 over 50 ms) with the generator's worst event-loop lag
//     and the server's GC pauses in each (bench/lib/sync-gc-preload.mjs, always loaded into the
//     ladder's server): which side stalled. A step in which the generator saturated (a second's
//     event-loop lag over its bound: its latencies are the harness's) is run once more and the
//     second run judged (the first kept as `retriedAfter`).
// (c) the codec: ns per encode and decode of chat frames beside a bare baseline (bench/lib/sync-codec.mjs).
// (d) --only ab --against DIR: before/after on a shared machine. This checkout and another (DIR,
//     e.g. `git worktree add --detach DIR <commit>`, built) each run their own server and chat load
//     at the same time, at each --steps rate: the same load from elsewhere falls on both
//     (bench/lib/sync-ab.mjs). Writes bench/results/sync-ab.json.
//
//   npm run bench:sync                        # a few minutes
//   npm run bench:sync -- --quick             # shorter holds, fewer steps
//   node bench/sync.mjs --only codec|frames|ladder [--clients 100] [--seconds 8] [--steps 500,1000,…]
//                      [--resolution 125]   # the ladder bisects between held and failed to this
//   node bench/sync.mjs --only ladder --imh DIR --out FILE   # the ladder of another checkout
//   node bench/sync.mjs --only ab --against DIR [--steps 1000,2000] [--rounds 2]
//                                             # (d) this checkout and DIR side by side, at once
//   node bench/sync.mjs --cpu-prof DIR        # also write CPU profiles of the server and of
//                                             # each imh load's processes (coordinator, workers:
//                                             # its steady seconds, 8 s to the end less 3)
//
// Only loopback; every run is bounded in time.
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {loadavg, tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {execFileSync, spawn} from 'node:child_process'
import {abJob} from './lib/sync-ab.mjs'
import {histEnv, runStart, windowLatency} from './lib/sync-window.mjs'
import {codecJob} from './lib/sync-codec.mjs'
import {parseArgs, processInfo, processTree, round, startReadyChild} from './lib/proc.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
/** A bad option: a sentence and exit 2, not a stack trace. */
function usage(message) {
  console.error(`bench:sync: ${message}`)
  process.exit(2)
}
let args
try {
  args = parseArgs(process.argv.slice(2), {quick: 'boolean', only: 'string', clients: 'number', seconds: 'number', steps: 'string', resolution: 'number', workers: 'number', rounds: 'number', 'cpu-prof': 'string', against: 'string', imh: 'string', out: 'string'})
} catch (err) {
  usage(err.message)
}
const quick = Boolean(args.quick)
const clients = args.clients ?? 100
const seconds = args.seconds ?? (quick ? 6 : 10)
const steps = (args.steps ?? (quick ? '250,500,1000,2000,3000,4000' : '500,1000,2000,3000,4000,6000,8000')).split(',').map(Number)
const resolution = args.resolution ?? (quick ? 250 : 125)
const workers = args.workers ?? 1
const rounds = args.rounds ?? (quick ? 1 : 3)
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 9) usage('--rounds must be an integer from 1 to 9')
const FRAME_RATES = {heartbeat: 2000, chat: 600}
const FRAMES_PER = {heartbeat: 2, chat: 5}
const P99_BOUND_MS = 50
if (!(seconds >= 3 && seconds <= 60)) usage('--seconds must be from 3 to 60')
if (!Number.isInteger(clients) || clients < 2 || clients > 2000 || clients % 2) usage('--clients must be an even integer from 2 to 2000')
if (steps.some((s) => !(s > 0 && s <= 100_000))) usage('--steps must be rates from 1 to 100000, comma-separated')
if (!(resolution >= 10 && resolution <= 10_000)) usage('--resolution must be from 10 to 10000 msg/s')
const only = args.only
if (only && !['codec', 'frames', 'ladder', 'ab'].includes(only)) usage('--only must be codec, frames, ladder or ab')
const against = args.against ? resolve(args.against) : undefined
if (only === 'ab' && !against) usage('--only ab needs --against DIR (another checkout of imh, built)')
// The checkout whose `imh serve` and `imh load` the frames and ladder jobs run (default this one):
// a ladder of an older commit, e.g. b6669fa, with this bench's judgement.
const imhRoot = args.imh ? resolve(args.imh) : root
const histPreload = join(root, 'bench/lib/sync-hist-preload.mjs')
const profDir = args['cpu-prof'] ? resolve(args['cpu-prof']) : undefined
if (profDir) mkdirSync(profDir, {recursive: true})
const log = (s) => console.error(s)

const uptime = () => loadavg().map((x) => round(x, 2))

// The server's GC pauses on the wall clock (sync-gc-preload.mjs), to line up against slow seconds.
const gcFile = join(mkdtempSync(join(tmpdir(), 'imh-bench-sync-gc-')), 'gc.jsonl')
process.env.IMH_SYNC_GC = gcFile
process.on('exit', () => rmSync(dirname(gcFile), {recursive: true, force: true}))

/** The server's GC pauses that started in [from, to) ms since the epoch. */
function serverGcBetween(from, to) {
  let lines = []
  try {
    lines = readFileSync(gcFile, 'utf8').split('\n')
  } catch {
    // none yet
  }
  return lines.filter(Boolean).map((l) => JSON.parse(l)).filter((g) => g.at >= from && g.at < to)
}

async function startServer() {
  const argv = [`--import=${join(root, 'bench/lib/sync-gc-preload.mjs')}`, ...(profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-name', `serve-${Date.now()}.cpuprofile`] : []), join(imhRoot, 'bin/run.js'), 'serve', '--port', '0', '--flows', 'core']
  return startReadyChild(argv, 'imh serve', imhRoot)
}

/** Established connections whose local port is `port` (the server's side of its long links). */
function linksOn(port) {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')} `
  let n = 0
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        const f = line.trim().split(/\s+/)
        if (f[3] === '01' && `${f[1]?.slice(f[1].lastIndexOf(':'))} `.toUpperCase() === hex) n++
      }
    } catch {
      // no IPv6
    }
  }
  return n
}

/**
 * Every 250 ms: CPU seconds of the generator's process tree and of the server, and the long links
 * open on the server. The window it measures is the span with every client's link open, less a
 * second at each end (logins before, wind-down after): the time series of results.json counts
 * from the run's own zero, which the wall clock does not show, so the links mark it.
 */
function sampler(rootPid, serverPid, longPort) {
  const samples = []
  const take = () => {
    const gen = processTree(rootPid).map(processInfo).filter(Boolean).reduce((s, p) => s + p.cpuS, 0)
    samples.push({at: Date.now(), gen, server: processInfo(serverPid)?.cpuS ?? Number.NaN, links: linksOn(longPort)})
  }
  take()
  const timer = setInterval(take, 250)
  return {
    stop: () => clearInterval(timer),
    /** CPU used by each over the steady window, and its length in seconds; undefined if too short. */
    steady(maxS = Infinity) {
      const full = samples.map((s, i) => (s.links >= clients ? i : -1)).filter((i) => i >= 0)
      if (full.length === 0) return undefined
      const t0 = samples[full[0]].at + 1000
      // Capped at the schedule's steady seconds: a chat run's drain keeps the links open, idle.
      const t1 = Math.min(samples[full.at(-1)].at - 1000, t0 + maxS * 1000)
      const a = samples.find((s) => s.at >= t0)
      const b = samples.findLast((s) => s.at <= t1)
      if (!a || !b || b.at - a.at < 1500) return undefined
      return {windowS: (b.at - a.at) / 1000, gen: b.gen - a.gen, server: b.server - a.server}
    },
    peakLinks: () => Math.max(...samples.map((s) => s.links)),
    total: () => ({gen: samples.at(-1).gen - samples[0].gen, server: samples.at(-1).server - samples[0].server}),
  }
}

/** Runs `imh load` to its end; the results.json and the CPU samples of its run. */
async function imhLoad(kind, {server, rate, duration, threshold}) {
  const target = server.ready.scheduler
  const serverPid = server.ready.pid
  const longPort = Number(new URL(server.ready.long).port)
  const tmp = mkdtempSync(join(tmpdir(), 'imh-bench-sync-'))
  const out = join(tmp, 'r.json')
  // --profile, not the positional: b6669fa's imh knows only the flag.
  const argv = [
    'bin/run.js', 'load', '--profile', kind, '--target', target, '--clients', String(clients), '--rate', String(rate), '--duration', `${duration}s`,
    '--workers', String(workers), '--out', out, '-q', ...(threshold ? ['--threshold', threshold] : []),
  ]
  // Profiled: the coordinator and its worker each profile the steady seconds (see sync-prof-preload.mjs).
  const profEnv = profDir
    ? {...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${join(root, 'bench/lib/sync-prof-preload.mjs')}`, IMH_SYNC_PROF: `${join(profDir, `load-${kind}-${rate}-${Date.now()}`)},8,${duration - 3}`}
    : process.env
  // Each worker's per-second histograms, for the exact p99 over the steady seconds (sync-window.mjs).
  const histDir = join(tmp, 'hist')
  const env = histEnv(profEnv, histDir, histPreload)
  const child = spawn(process.execPath, argv, {cwd: imhRoot, env, detached: true, stdio: ['ignore', 'ignore', 'pipe']})
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr = (stderr + d).slice(-4000)))
  const cpu = sampler(child.pid, serverPid, longPort)
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL')
    } catch {
      // gone
    }
  }, (duration + 60) * 1000)
  const code = await new Promise((r) => child.once('exit', (c) => r(c)))
  clearTimeout(timer)
  cpu.stop()
  try {
    // 0 ok, 99 a threshold failed: both measured.
    if (code !== 0 && code !== 99) throw new Error(`imh load ${kind} exited ${code}\n${stderr}`)
    const results = JSON.parse(readFileSync(out, 'utf8'))
    return {results, cpu, window: windowLatency(histDir, steadySeconds(results).map((s) => s.second), P99_BOUND_MS), startAtMs: runStart(histDir)}
  } finally {
    rmSync(tmp, {recursive: true, force: true})
  }
}

/** The seconds of a run with every client connected, less the last (the run winds down in it). */
function steadySeconds(r) {
  const series = r.timeSeries
  const first = series.findIndex((s) => s.vus >= clients)
  if (first < 0) return []
  return series.slice(first + 1, -1)
}

/** The middle value (the upper of the two middle ones); undefined for none. */
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1]

/** A run too short for its ramp: no steady seconds to measure. */
class NoSteadyWindow extends Error {}

/** (a) one round for one kind: imh, then the raw baseline, frames per CPU-second over a steady window. */
async function framesRound(kind, server) {
  const rate = FRAME_RATES[kind]
  const {results, cpu} = await imhLoad(kind, {server, rate, duration: seconds + 10})
  const window = steadySeconds(results)
  const span = cpu.steady(window.length)
  if (window.length < 2 || !span) throw new NoSteadyWindow(`imh load ${kind} (${window.length} s in the series, links peak ${cpu.peakLinks()}): fewer than 2 seconds with all ${clients} clients connected; raise --seconds`)
  const count = (s) => (kind === 'heartbeat' ? (s.metrics.heartbeat_rtt?.count ?? 0) : (s.counters.delivered ?? 0))
  // The steady seconds' rate over the span the CPU was measured in (the load's rate is fixed).
  const unitsPerS = window.reduce((n, s) => n + count(s), 0) / window.length
  const windowS = span.windowS
  const units = Math.round(unitsPerS * windowS)
  const from = {gen: 0, server: 0}
  const to = span
  const imh = {
    windowS: round(windowS, 2),
    units,
    unitsPerS: round(unitsPerS, 1),
    framesEst: units * FRAMES_PER[kind],
    cpuS: round(to.gen - from.gen, 3),
    serverCpuS: round(to.server - from.server, 3),
    saturated: results.saturation?.flagged ?? null,
    rateMissed: results.rate?.flagged ?? null,
  }
  const raw = await new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(root, 'bench/lib/sync-raw.mjs'), JSON.stringify({kind, short: server.ready.short, long: server.ready.long, serverPid: server.ready.pid, clients, rate, seconds: Math.round(windowS)})], {cwd: root, stdio: ['ignore', 'pipe', 'inherit']})
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), (windowS + 60) * 1000)
    child.once('exit', (code) => {
      clearTimeout(timer)
      const line = out.split('\n').find((l) => l.includes('"result"'))
      if (code !== 0 || !line) reject(new Error(`sync-raw ${kind} exited ${code}`))
      else resolvePromise(JSON.parse(line))
    })
  })
  const rawUnits = kind === 'heartbeat' ? raw.framesIn : raw.messages
  const rawFrames = raw.framesIn + raw.framesOut
  const perCpu = (frames, cpuS) => round(frames / cpuS, 0)
  const out = {
    rate,
    clients,
    imh: {...imh, framesPerCpuS: perCpu(imh.framesEst, imh.cpuS), serverCpuUsPerFrame: round((imh.serverCpuS / imh.framesEst) * 1e6, 1)},
    raw: {windowS: round(raw.windowS, 2), units: rawUnits, unitsPerS: round(rawUnits / raw.windowS, 1), frames: rawFrames, cpuS: round(raw.cpuS, 3), serverCpuS: round(raw.serverCpuS, 3), framesPerCpuS: perCpu(rawFrames, raw.cpuS), serverCpuUsPerFrame: round((raw.serverCpuS / rawFrames) * 1e6, 1)},
  }
  out.imhVsRaw = {framesPerCpuS: round(out.imh.framesPerCpuS / out.raw.framesPerCpuS, 3), serverCpuPerFrame: round(out.imh.serverCpuUsPerFrame / out.raw.serverCpuUsPerFrame, 3)}
  // The server's own figure, for before/after of a server change: its CPU per frame of the
  // baseline's traffic ÷ the baseline generator's CPU per frame (code no change here touches).
  out.serverVsRawGenerator = round(out.raw.serverCpuS / raw.cpuS, 3)
  log(`frames ${kind}: ${JSON.stringify(out)}`)
  return out
}

/**
 * (a) for one kind: `rounds` rounds of imh then the baseline; the ratios are the rounds' medians,
 * since on a shared machine the load other processes put on it moves between the two runs.
 */
async function framesJob(kind, server) {
  const list = []
  const skipped = []
  // A round whose ramp outlasts the run (a very busy machine) measured nothing: said, not fatal.
  for (let i = 0; i < rounds; i++) {
    try {
      list.push(await framesRound(kind, server))
    } catch (err) {
      if (!(err instanceof NoSteadyWindow)) throw err
      skipped.push(err.message)
      log(`frames ${kind}: round ${i + 1} skipped: ${err.message}`)
    }
  }
  if (list.length === 0) return {rate: FRAME_RATES[kind], clients, skipped}
  return {
    skipped,
    rate: list[0].rate,
    clients,
    imhVsRaw: {framesPerCpuS: median(list.map((r) => r.imhVsRaw.framesPerCpuS)), serverCpuPerFrame: median(list.map((r) => r.imhVsRaw.serverCpuPerFrame))},
    serverVsRawGenerator: median(list.map((r) => r.serverVsRawGenerator)),
    rounds: list.map(({imh, raw, imhVsRaw, serverVsRawGenerator}) => ({imh, raw, imhVsRaw, serverVsRawGenerator})),
  }
}

/**
 * (b) the rate ladder: the highest rate at which sync_latency p99 ≤ 50 ms held. Each step is
 * judged over its steady seconds (every client connected, the first and last second left out):
 * on a busy machine logging 100 clients in takes seconds, and the ramp's latencies and stalls
 * are the logins', not the SYNC path's.
 *
 * The p99 judged is the window's: the exact p99 of every sample of the steady seconds, from the
 * seconds' merged HDR histograms (copied out of the workers, sync-hist-preload.mjs), the reading
 * of a k6 or Gatling threshold over a measured window. The worst second's p99 is kept beside it
 * (`worstSecond`: the highest rate at which no steady second's p99 passed 50 ms), as a stricter
 * secondary figure: it bounds the window's p99 from above, but one slow second of ten (a GC or
 * scheduling stall on a shared 2-core machine) fails a step whose window held 99% of its
 * messages within 50 ms, so it measured stalls more than the SYNC path, and moved more between
 * two runs of the same code than between commits (bench/results/sync-ladder.json). Either way a
 * step also needs the rate kept (95% sent over the steady seconds), no saturated second, no
 * second without delivery and no error. When the histograms are missing (the preload did not
 * run) the step falls back to the worst second and says so (`judgedBy`).
 */
async function ladderJob(server) {
  const rows = []
  let held
  let failed
  // The coarse steps up to the first that fails, then halves the gap between the highest rate
  // held and the lowest failed until it is at most --resolution: 2000 held, 3000 failed is
  // one number for both sides of a change that moved the knee by 500.
  const queue = [...steps]
  while (queue.length > 0) {
    const rate = queue.shift()
    let row = await ladderStep(server, rate)
    // A step with a saturated second measured the generator's stall, not the server (the load
    // flags its latencies as the harness's): run once more and judge that one, the first kept.
    if (row.saturatedSeconds > 0) {
      log(`ladder ${rate}/s: the generator saturated in ${row.saturatedSeconds} s; once more`)
      const first = row
      row = {...(await ladderStep(server, rate)), retriedAfter: {saturatedSeconds: first.saturatedSeconds, maxEventLoopLagMs: first.maxEventLoopLagMs, p99MsWindow: first.window?.p99Ms ?? null, held: first.held}}
    }
    rows.push(row)
    log(`ladder ${rate}/s: ${JSON.stringify(row)}`)
    if (row.held) held = !held || rate > held.rate ? row : held
    else failed = !failed || rate < failed.rate ? row : failed
    if (!row.held && queue.length > 0 && queue[0] > rate) queue.length = 0
    if (queue.length === 0 && held && failed && failed.rate - held.rate > resolution) {
      queue.push(Math.round((held.rate + failed.rate) / 2))
    }
    // Nothing held yet (a busy machine): halve the lowest failed rate, down to --resolution, so
    // that the ladder still finds a knee to bisect from.
    if (queue.length === 0 && !held && failed && failed.rate / 2 >= resolution) queue.push(Math.round(failed.rate / 2))
  }
  const brief = (r) => (r ? {rate: r.rate, deliveredPerS: r.deliveredPerS, p99MsWindow: r.window?.p99Ms ?? null, p99MsWorstSecond: r.p99MsBound} : null)
  // The secondary rule over the same steps (the bisection followed the primary one).
  const worstHeld = rows.filter((r) => r.heldWorstSecond).sort((a, b) => b.rate - a.rate)[0]
  const worstFailed = rows.filter((r) => !r.heldWorstSecond).sort((a, b) => a.rate - b.rate)[0]
  return {
    boundMs: P99_BOUND_MS,
    rule: 'window p99 (merged histograms of the steady seconds)',
    stepS: seconds + 10,
    resolution,
    steps: rows,
    highestHeld: brief(held),
    lowestFailed: brief(failed),
    worstSecond: {rule: 'every steady second p99 <= bound', highestHeld: brief(worstHeld), lowestFailed: brief(worstFailed)},
  }
}

/** One step of the ladder: `imh load chat --rate R`, judged over its steady seconds. */
async function ladderStep(server, rate) {
  const {results, cpu, window: win, startAtMs} = await imhLoad('chat', {server, rate, duration: seconds + 10})
  const window = steadySeconds(results)
  // Second k of the run is (start + (k-1) s, start + k s] on the coordinator's clock (secondOf's 100 ms aside).
  const gcIn = (k) => (startAtMs === undefined ? undefined : serverGcBetween(startAtMs + (k - 1) * 1000 + 100, startAtMs + k * 1000 + 100))
  const gcSum = (list) => {
    if (!list) return null
    const byKind = {}
    for (const g of list) {
      const k = (byKind[g.kind] ??= {pauses: 0, totalMs: 0, maxMs: 0})
      k.pauses++
      k.totalMs = round(k.totalMs + g.ms, 1)
      k.maxMs = Math.max(k.maxMs, g.ms)
    }
    return {pauses: list.length, totalMs: round(list.reduce((n, g) => n + g.ms, 0), 1), maxMs: round(Math.max(0, ...list.map((g) => g.ms)), 1), byKind}
  }
  const sum = (f) => window.reduce((n, s) => n + (f(s) ?? 0), 0)
  const n = Math.max(1, window.length)
  const steady = cpu.steady(window.length)
  const row = {
    rate,
    steadyS: window.length,
    deliveredPerS: round(sum((s) => s.counters.delivered) / n, 1),
    sentPerS: round(sum((s) => s.counters.sent) / n, 1),
    // The exact latencies over the steady seconds (null: no histograms; see ladderJob).
    window: win,
    p99MsBound: window.some((s) => s.metrics.sync_latency) ? Math.max(...window.map((s) => s.metrics.sync_latency?.p99 ?? 0)) : null,
    // The median second's p99 beside the worst: one slow second fails a step, a slow run moves this.
    p99MsMedianSecond: median(window.map((s) => s.metrics.sync_latency?.p99 ?? Infinity)),
    maxEventLoopLagMs: window.length ? Math.max(...window.map((s) => s.maxEventLoopLagMs ?? 0)) : null,
    // What went on in each slow second (p99 over the bound): the generator's worst event-loop lag
    // and the server's GC pauses in it, to tell which side stalled.
    slowSeconds: window.filter((s) => (s.metrics.sync_latency?.p99 ?? 0) > P99_BOUND_MS).map((s) => ({second: s.second, p99Ms: s.metrics.sync_latency.p99, count: s.metrics.sync_latency.count, generatorLagMs: s.maxEventLoopLagMs ?? null, serverGc: gcSum(gcIn(s.second))})),
    serverGc: window.length && startAtMs !== undefined ? gcSum(serverGcBetween(startAtMs + (window[0].second - 1) * 1000 + 100, startAtMs + window.at(-1).second * 1000 + 100)) : null,
    // Seconds that delivered nothing while messages were due: a stall the bound cannot see.
    secondsWithoutDelivery: window.filter((s) => !s.metrics.sync_latency).length,
    saturatedSeconds: window.filter((s) => s.saturated).length,
    errors: sum((s) => s.counters.errors),
    // CPU over the steady window, in cores: which process ran out first.
    cores: steady ? {generator: round(steady.gen / steady.windowS, 2), server: round(steady.server / steady.windowS, 2)} : null,
    run: {
      p50Ms: results.metrics.sync_latency?.p50 ?? null,
      p99Ms: results.metrics.sync_latency?.p99 ?? null,
      rateMissed: results.rate?.flagged ?? null,
      saturated: results.saturation?.flagged ?? null,
      lost: results.counters.lost ?? 0,
      errors: results.counters.errors ?? 0,
      serverCpuS: round(cpu.total().server, 2),
    },
  }
  // Held: enough steady seconds, p99 within the bound, the rate kept (95%), no stall, no error.
  const kept = row.steadyS >= 2 && row.secondsWithoutDelivery === 0 && row.sentPerS >= 0.95 * rate && row.saturatedSeconds === 0 && row.errors === 0
  row.heldWorstSecond = kept && row.p99MsBound !== null && row.p99MsBound <= P99_BOUND_MS
  row.judgedBy = win?.p99Ms != null ? 'window' : 'worstSecond'
  row.held = row.judgedBy === 'window' ? kept && win.p99Ms <= P99_BOUND_MS : row.heldWorstSecond
  return row
}

try {
  await main()
} catch (err) {
  console.error(`bench:sync failed: ${err?.message ?? err}`)
  process.exitCode = 1
}

/** A checkout's commit (and whether its tree has changes), so that a file says what it measured. */
function commitOf(dir) {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {cwd: dir, encoding: 'utf8'}).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {cwd: dir, encoding: 'utf8'}).trim() !== ''
    return dirty ? `${head}+changes` : head
  } catch {
    return null
  }
}

async function main() {
  const result = {at: new Date().toISOString(), loadavgBefore: uptime(), clients, workers, seconds, rounds, quick, ...(only === 'ab' ? {} : {imh: imhRoot, commit: commitOf(imhRoot)})}
  if (only === 'ab') {
    result.commits = {this: commitOf(root), against: commitOf(against)}
    result.ab = await abJob({this: root, against}, {rates: steps, clients, seconds: seconds + 12, rounds, log, histPreload, boundMs: P99_BOUND_MS})
    result.loadavgAfter = uptime()
    const outFile = args.out ?? join(root, 'bench/results/sync-ab.json')
    writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`)
    console.log(`wrote ${outFile}`)
    return
  }
  if (!only || only === 'codec') {
    result.codec = await codecJob(root)
    log(`codec: ${JSON.stringify(result.codec)}`)
  }
  const server = only === 'codec' ? undefined : await startServer()
  try {
    if (!only || only === 'frames') result.frames = {heartbeat: await framesJob('heartbeat', server), chat: await framesJob('chat', server)}
    if (!only || only === 'ladder') result.ladder = await ladderJob(server)
  } finally {
    await server?.stop()
  }
  result.loadavgAfter = uptime()
  const outFile = args.out ?? join(root, 'bench/results/sync.json')
  writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`)
  console.log(JSON.stringify({codec: result.codec && Object.fromEntries(Object.entries(result.codec).map(([k, v]) => [k, v.ratio])), frames: result.frames && Object.fromEntries(Object.entries(result.frames).map(([k, v]) => [k, {...v.imhVsRaw, serverVsRawGenerator: v.serverVsRawGenerator, rounds: v.rounds?.length ?? 0}])), ladder: result.ladder && {held: result.ladder.highestHeld, failed: result.ladder.lowestFailed}, loadavg: [result.loadavgBefore, result.loadavgAfter]}))
  console.log(`wrote ${outFile}`)
}
