#!/usr/bin/env node
// bench/peers/http.mjs: the HTTP job of bench:peers. 64 keep-alive connections as fast as each
// answer allows against one one-process node hello server (bench/lib/hello-server.mjs), driven
// in turn by wrk, autocannon and `imh load` (http scenario, constant-vus 64), the same duration
// each, round-robin for --rounds rounds (3; each figure is a tool's median over its rounds). Per tool: requests/s, CPU seconds per request (every process of the
// tool, workers included: the time of reaped children as /proc/self/stat's cutime+cstime grows),
// peak RSS summed over its processes, and what the tool itself measured (latency p50/p99); and the
// same two figures over its steady state alone (`steady`: the seconds the server was busy, counted
// by the server, less a second at each end), which leaves out start-up and wind-down.
// Only loopback; every run is bounded in time.
//
// wrk comes from Debian (`apt-get install -y wrk`); autocannon is installed on first use into
// bench/.peers/ (git-ignored), never as a devDependency.
//
//   npm run bench:peers:http
//   node bench/peers/http.mjs --seconds 10 --connections 64 --rounds 3 [--only imh] [--before ../old-checkout]
//
// Alone it writes bench/results/peers-http.json; under bench/peers.mjs the runner writes.
import {spawn} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {fileURLToPath} from 'node:url'
import {aptTool, npmTool} from '../lib/peers.mjs'
import {parseArgs, processInfo, processTree, round, startReadyChild} from '../lib/proc.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
/** Where peer tools are installed on first use (git-ignored), as bench/peers.mjs passes it. */
const scratch = join(root, 'bench/.peers')
mkdirSync(scratch, {recursive: true})
const CLK_TCK = 100
const SAMPLE_MS = 200

/** CPU seconds of this process's reaped children (and theirs): grows when a tool we ran exits. */
function childrenCpuS() {
  const stat = readFileSync('/proc/self/stat', 'utf8')
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(rest[13]) + Number(rest[14])) / CLK_TCK
}

/**
 * Runs one tool to its end; its CPU (all processes, once reaped), peak summed RSS, and its steady
 * state: every SAMPLE_MS the CPU of its live processes and the requests the hello server answered
 * (its stats port), so that the seconds the server was busy — less a second at each end — give
 * requests/s and CPU per request without the tool's start-up and wind-down.
 */
async function measure(cmd, argv, {cwd = root, timeoutMs, statsUrl}) {
  const before = childrenCpuS()
  const child = spawn(cmd, argv, {cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d))
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr = (stderr + d).slice(-20_000)))
  let peakRssKb = 0
  let peakProcesses = 0
  let running = true
  const samples = []
  const sampling = (async () => {
    while (running) {
      const infos = processTree(child.pid).map(processInfo).filter(Boolean)
      const rss = infos.reduce((s, p) => s + p.rssKb, 0)
      if (rss > peakRssKb) peakRssKb = rss
      peakProcesses = Math.max(peakProcesses, infos.length)
      const served = statsUrl ? await fetch(statsUrl).then((r) => r.json()).then((j) => j.served, () => undefined) : undefined
      samples.push({t: performance.now(), cpuS: infos.reduce((s, p) => s + p.cpuS, 0), served})
      await sleep(SAMPLE_MS)
    }
  })()
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }, timeoutMs)
  const code = await new Promise((r) => child.once('exit', (c) => r(c)))
  running = false
  await sampling
  clearTimeout(timer)
  // 'exit' means reaped: its time (and its reaped workers') is in our cutime now.
  const cpuS = childrenCpuS() - before
  if (code !== 0) throw new Error(`${cmd} ${argv.join(' ')} exited ${code}\n${stderr.slice(-2000)}`)
  return {stdout, stderr, cpuS, peakRssMb: round(peakRssKb / 1024, 1), peakProcesses, steady: steadyState(samples)}
}

/** Requests/s and CPU µs per request over the busy seconds of the samples, a second trimmed at each end. */
function steadyState(samples) {
  const busy = samples.filter((s, i) => i > 0 && s.served !== undefined && samples[i - 1].served !== undefined && s.served > samples[i - 1].served)
  if (busy.length < 2) return undefined
  const from = busy[0].t + 1000
  const to = busy.at(-1).t - 1000
  const inside = samples.filter((s) => s.t >= from && s.t <= to && s.served !== undefined)
  if (inside.length < 2 || inside.at(-1).t - inside[0].t < 2000) return undefined
  const a = inside[0]
  const b = inside.at(-1)
  const requests = b.served - a.served
  return {seconds: round((b.t - a.t) / 1000, 2), requests, requestsPerS: round(requests / ((b.t - a.t) / 1000), 0), cpuUsPerRequest: round(((b.cpuS - a.cpuS) / requests) * 1e6, 1)}
}

/** wrk's latency figures ("50%    1.23ms") in ms. */
function wrkMs(text) {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text)
  if (!m) return undefined
  return Number(m[1]) * {us: 0.001, ms: 1, s: 1000}[m[2]]
}

const tools = {
  async wrk({url, statsUrl, seconds, connections}) {
    const wrk = await aptTool('wrk', 'wrk', console.error)
    if (wrk.error) return {skipped: wrk.error}
    const r = await measure('wrk', ['-t2', `-c${connections}`, `-d${seconds}s`, '--latency', url], {timeoutMs: (seconds + 30) * 1000, statsUrl})
    const total = Number(/(\d+) requests in/.exec(r.stdout)?.[1])
    const pct = (p) => wrkMs(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(r.stdout)?.[1] ?? '')
    return {requests: total, seconds, cpuS: r.cpuS, peakRssMb: r.peakRssMb, processes: r.peakProcesses, measured: {p50Ms: pct(50), p99Ms: pct(99)}, steady: r.steady}
  },
  async autocannon({url, statsUrl, seconds, connections}) {
    const bin = await npmTool(scratch, 'autocannon', 'autocannon', console.error)
    const r = await measure(process.execPath, [bin, '-c', String(connections), '-d', String(seconds), '-j', url], {timeoutMs: (seconds + 30) * 1000, statsUrl})
    const j = JSON.parse(r.stdout)
    return {requests: j.requests.total, seconds, cpuS: r.cpuS, peakRssMb: r.peakRssMb, processes: r.peakProcesses, measured: {p50Ms: j.latency.p50, p99Ms: j.latency.p99, errors: j.errors + j.non2xx}, steady: r.steady}
  },
  async imh({url, statsUrl, seconds, connections, workers, imhRoot = root}) {
    const tmp = mkdtempSync(join(tmpdir(), 'imh-bench-peers-http-'))
    try {
      const out = join(tmp, 'r.json')
      const argv = [join(imhRoot, 'bin/run.js'), 'load', '-p', join(root, 'bench/profiles/peers-http.yaml'), '--target', url, '--clients', String(connections), '--duration', `${seconds}s`, '--out', out, '-q']
      if (workers !== undefined) argv.push('--workers', String(workers))
      // Exit 99 (a threshold) still measured; the profile has none, so anything but 0 is a failure.
      const r = await measure(process.execPath, argv, {cwd: imhRoot, timeoutMs: (seconds + 60) * 1000, statsUrl})
      const j = JSON.parse(readFileSync(out, 'utf8'))
      const d = j.metrics.http_req_duration
      return {
        requests: d?.count ?? 0,
        seconds,
        cpuS: r.cpuS,
        peakRssMb: r.peakRssMb,
        processes: r.peakProcesses,
        workers: j.meta?.workers,
        measured: {p50Ms: d?.p50, p99Ms: d?.p99, errors: j.counters.errors ?? 0, saturated: j.saturation?.flagged ?? null},
        steady: r.steady,
      }
    } finally {
      rmSync(tmp, {recursive: true, force: true})
    }
  },
}

/** The middle value (the mean of the two middle ones for an even count); undefined when none. */
function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return undefined
  const m = Math.floor(v.length / 2)
  return v.length % 2 ? v[m] : round((v[m - 1] + v[m]) / 2, 1)
}

/** One tool's figures over its rounds: the medians, and every round as it was. */
function combine(runs) {
  const ok = runs.filter((r) => !r.skipped && !r.error)
  if (ok.length === 0) return runs[0]
  const pick = (f) => median(ok.map(f))
  const last = ok.at(-1)
  const steadyRuns = ok.map((r) => r.steady).filter(Boolean)
  return {
    ...last,
    requests: pick((r) => r.requests),
    requestsPerS: pick((r) => r.requestsPerS),
    cpuUsPerRequest: pick((r) => r.cpuUsPerRequest),
    serverCpuUsPerRequest: pick((r) => r.serverCpuUsPerRequest),
    peakRssMb: pick((r) => r.peakRssMb),
    steady: steadyRuns.length ? {seconds: median(steadyRuns.map((s) => s.seconds)), requestsPerS: median(steadyRuns.map((s) => s.requestsPerS)), cpuUsPerRequest: median(steadyRuns.map((s) => s.cpuUsPerRequest))} : undefined,
    rounds: runs.map((r) => ({requestsPerS: r.requestsPerS, cpuUsPerRequest: r.cpuUsPerRequest, steady: r.steady, error: r.error})),
  }
}

/**
 * The job: every tool against one fresh hello server, `rounds` times round-robin (the order turned
 * by one each round, so no tool always runs first), each tool's figures the median of its rounds.
 * On a shared machine one run per tool can differ by 20% from the next; alternating rounds and
 * medians keep the comparison to what the tools do rather than when they ran.
 */
export async function runHttpJob({seconds = 10, connections = 64, only, workers, rounds = 3, before, log = console.error} = {}) {
  // --before DIR: an older checkout's imh (built) as one more tool, so that before and after are
  // measured in the same run, round-robin like the others.
  if (before) tools['imh-before'] = (o) => tools.imh({...o, imhRoot: resolve(before)})
  if (!(seconds >= 2 && seconds <= 120)) throw new Error('--seconds must be from 2 to 120')
  if (!Number.isInteger(connections) || connections < 1 || connections > 1000) throw new Error('--connections must be an integer from 1 to 1000')
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 9) throw new Error('--rounds must be an integer from 1 to 9')
  const names = only ? only.split(',') : Object.keys(tools)
  for (const n of names) if (!(n in tools)) throw new Error(`unknown tool ${n}; known: ${Object.keys(tools).join(', ')}`)
  const server = await startReadyChild([join(root, 'bench/lib/hello-server.mjs')], 'hello server', root)
  const url = `http://127.0.0.1:${server.ready.port}/`
  const statsUrl = `http://127.0.0.1:${server.ready.statsPort}/`
  const runs = Object.fromEntries(names.map((n) => [n, []]))
  try {
    for (let k = 0; k < rounds; k++) {
      const order = names.map((_, i) => names[(i + k) % names.length])
      for (const name of order) {
        const serverBefore = processInfo(server.ready.pid)?.cpuS ?? 0
        let r
        try {
          r = await tools[name]({url, statsUrl, seconds, connections, workers})
        } catch (err) {
          r = {error: err instanceof Error ? err.message.slice(0, 500) : String(err)}
        }
        if (!r.skipped && !r.error) {
          const serverCpuS = (processInfo(server.ready.pid)?.cpuS ?? 0) - serverBefore
          Object.assign(r, {
            requestsPerS: round(r.requests / r.seconds, 0),
            cpuUsPerRequest: round((r.cpuS / r.requests) * 1e6, 1),
            serverCpuUsPerRequest: round((serverCpuS / r.requests) * 1e6, 1),
          })
        }
        runs[name].push(r)
        log(`round ${k + 1}/${rounds} ${name}: ${r.error ?? r.skipped ?? `${r.requestsPerS} req/s, ${r.cpuUsPerRequest} µs CPU/request (steady ${r.steady?.requestsPerS} req/s, ${r.steady?.cpuUsPerRequest} µs)`}`)
        if (r.skipped) break
      }
    }
  } finally {
    await server.stop()
  }
  const results = Object.fromEntries(names.map((n) => [n, combine(runs[n])]))
  // Whole run (start-up and wind-down included, as a user's CI job pays them) and steady state
  // (the busy seconds only): both are reported; the issue's comparison is made on each.
  const ratio = (a, b) => (a && b ? round(a / b, 3) : undefined)
  const judge = (imh, base) =>
    imh?.requestsPerS && base?.requestsPerS
      ? {requestsPerSVsAutocannon: ratio(imh.requestsPerS, base.requestsPerS), cpuPerRequestVsAutocannon: ratio(imh.cpuUsPerRequest, base.cpuUsPerRequest), met: imh.requestsPerS >= base.requestsPerS && imh.cpuUsPerRequest <= base.cpuUsPerRequest}
      : undefined
  const verdict = judge(results.imh, results.autocannon)
  const steadyVerdict = judge(results.imh?.steady, results.autocannon?.steady)
  const beforeVerdicts = results['imh-before'] ? {imhBeforeVsAutocannon: judge(results['imh-before'], results.autocannon), imhBeforeVsAutocannonSteady: judge(results['imh-before'].steady, results.autocannon?.steady), before: resolve(before)} : {}
  return {connections, seconds, rounds, url: 'http://127.0.0.1:PORT/ (bench/lib/hello-server.mjs, one process)', tools: results, imhVsAutocannon: verdict, imhVsAutocannonSteady: steadyVerdict, ...beforeVerdicts}
}

export default {
  name: 'http',
  async run({quick, log} = {}) {
    return quick ? runHttpJob({seconds: 4, rounds: 1, log}) : runHttpJob({log})
  },
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = parseArgs(process.argv.slice(2), {seconds: 'number', connections: 'number', only: 'string', workers: 'number', rounds: 'number', before: 'string', out: 'string'})
  const result = await runHttpJob(args)
  const outFile = args.out ?? join(root, 'bench/results/peers-http.json')
  writeFileSync(outFile, `${JSON.stringify({job: 'http', at: new Date().toISOString(), ...result}, null, 2)}\n`)
  console.log(JSON.stringify(result.tools, null, 1))
  console.log(`wrote ${outFile}`)
}
