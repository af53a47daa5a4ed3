#!/usr/bin/env node
// bench/peers/http.mjs: the HTTP job of bench:peers. 64 keep-alive connections as fast as each
// answer allows against one one-process node hello server (bench/lib/hello-server.mjs), driven
// in turn by wrk, autocannon and `imh load` (http scenario, constant-vus 64), the same duration
// each, in this one run. Per tool: requests/s, CPU seconds per request (every process of the
// tool, workers included: the time of reaped children as /proc/self/stat's cutime+cstime grows),
// peak RSS summed over its processes, and what the tool itself measured (latency p50/p99).
// Only loopback; every run is bounded in time.
//
// wrk comes from Debian (`apt-get install -y wrk`); autocannon is installed on first use into
// bench/.peers/ (git-ignored), never as a devDependency.
//
//   npm run bench:peers:http
//   node bench/peers/http.mjs --seconds 10 --connections 64 [--only imh]
//
// Alone it writes bench/results/peers-http.json; under bench/peers.mjs the runner writes.
import {spawn} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
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

/** Runs one tool to its end; its CPU (all processes, once reaped) and peak summed RSS. */
async function measure(cmd, argv, {cwd = root, timeoutMs}) {
  const before = childrenCpuS()
  const child = spawn(cmd, argv, {cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d))
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr = (stderr + d).slice(-20_000)))
  let peakRssKb = 0
  let peakProcesses = 0
  const sampler = setInterval(() => {
    const infos = processTree(child.pid).map(processInfo).filter(Boolean)
    const rss = infos.reduce((s, p) => s + p.rssKb, 0)
    if (rss > peakRssKb) peakRssKb = rss
    peakProcesses = Math.max(peakProcesses, infos.length)
  }, SAMPLE_MS)
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }, timeoutMs)
  const code = await new Promise((r) => child.once('exit', (c) => r(c)))
  clearInterval(sampler)
  clearTimeout(timer)
  // 'exit' means reaped: its time (and its reaped workers') is in our cutime now.
  const cpuS = childrenCpuS() - before
  if (code !== 0) throw new Error(`${cmd} ${argv.join(' ')} exited ${code}\n${stderr.slice(-2000)}`)
  return {stdout, stderr, cpuS, peakRssMb: round(peakRssKb / 1024, 1), peakProcesses}
}

/** wrk's latency figures ("50%    1.23ms") in ms. */
function wrkMs(text) {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text)
  if (!m) return undefined
  return Number(m[1]) * {us: 0.001, ms: 1, s: 1000}[m[2]]
}

const tools = {
  async wrk({url, seconds, connections}) {
    const wrk = await aptTool('wrk', 'wrk', console.error)
    if (wrk.error) return {skipped: wrk.error}
    const r = await measure('wrk', ['-t2', `-c${connections}`, `-d${seconds}s`, '--latency', url], {timeoutMs: (seconds + 30) * 1000})
    const total = Number(/(\d+) requests in/.exec(r.stdout)?.[1])
    const pct = (p) => wrkMs(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(r.stdout)?.[1] ?? '')
    return {requests: total, seconds, cpuS: r.cpuS, peakRssMb: r.peakRssMb, processes: r.peakProcesses, measured: {p50Ms: pct(50), p99Ms: pct(99)}}
  },
  async autocannon({url, seconds, connections}) {
    const bin = await npmTool(scratch, 'autocannon', 'autocannon', console.error)
    const r = await measure(process.execPath, [bin, '-c', String(connections), '-d', String(seconds), '-j', url], {timeoutMs: (seconds + 30) * 1000})
    const j = JSON.parse(r.stdout)
    return {requests: j.requests.total, seconds, cpuS: r.cpuS, peakRssMb: r.peakRssMb, processes: r.peakProcesses, measured: {p50Ms: j.latency.p50, p99Ms: j.latency.p99, errors: j.errors + j.non2xx}}
  },
  async imh({url, seconds, connections, workers}) {
    const tmp = mkdtempSync(join(tmpdir(), 'imh-bench-peers-http-'))
    try {
      const out = join(tmp, 'r.json')
      const argv = ['bin/run.js', 'load', '-p', 'bench/profiles/peers-http.yaml', '--target', url, '--clients', String(connections), '--duration', `${seconds}s`, '--out', out, '-q']
      if (workers !== undefined) argv.push('--workers', String(workers))
      // Exit 99 (a threshold) still measured; the profile has none, so anything but 0 is a failure.
      const r = await measure(process.execPath, argv, {timeoutMs: (seconds + 60) * 1000})
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
      }
    } finally {
      rmSync(tmp, {recursive: true, force: true})
    }
  },
}

/** The job: every tool in turn against one fresh hello server. */
export async function runHttpJob({seconds = 10, connections = 64, only, workers} = {}) {
  if (!(seconds >= 2 && seconds <= 120)) throw new Error('--seconds must be from 2 to 120')
  if (!Number.isInteger(connections) || connections < 1 || connections > 1000) throw new Error('--connections must be an integer from 1 to 1000')
  const names = only ? only.split(',') : Object.keys(tools)
  for (const n of names) if (!(n in tools)) throw new Error(`unknown tool ${n}; known: ${Object.keys(tools).join(', ')}`)
  const server = await startReadyChild([join(root, 'bench/lib/hello-server.mjs')], 'hello server', root)
  const url = `http://127.0.0.1:${server.ready.port}/`
  const results = {}
  try {
    for (const name of names) {
      const serverBefore = processInfo(server.ready.pid)?.cpuS ?? 0
      const r = await tools[name]({url, seconds, connections, workers})
      if (!r.skipped) {
        const serverCpuS = (processInfo(server.ready.pid)?.cpuS ?? 0) - serverBefore
        Object.assign(r, {
          requestsPerS: round(r.requests / r.seconds, 0),
          cpuUsPerRequest: round((r.cpuS / r.requests) * 1e6, 1),
          serverCpuUsPerRequest: round((serverCpuS / r.requests) * 1e6, 1),
        })
      }
      results[name] = r
      console.error(`${name}: ${JSON.stringify(r)}`)
    }
  } finally {
    await server.stop()
  }
  const base = results.autocannon
  const imh = results.imh
  const verdict =
    base?.requests && imh?.requests
      ? {requestsPerSVsAutocannon: round(imh.requestsPerS / base.requestsPerS, 3), cpuPerRequestVsAutocannon: round(imh.cpuUsPerRequest / base.cpuUsPerRequest, 3), met: imh.requestsPerS >= base.requestsPerS && imh.cpuUsPerRequest <= base.cpuUsPerRequest}
      : undefined
  return {connections, seconds, url: 'http://127.0.0.1:PORT/ (bench/lib/hello-server.mjs, one process)', tools: results, imhVsAutocannon: verdict}
}

export default {
  name: 'http',
  async run(opts = {}) {
    return runHttpJob(opts)
  },
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = parseArgs(process.argv.slice(2), {seconds: 'number', connections: 'number', only: 'string', workers: 'number', out: 'string'})
  const result = await runHttpJob(args)
  const outFile = args.out ?? join(root, 'bench/results/peers-http.json')
  writeFileSync(outFile, `${JSON.stringify({job: 'http', at: new Date().toISOString(), ...result}, null, 2)}\n`)
  console.log(JSON.stringify(result.tools, null, 1))
  console.log(`wrote ${outFile}`)
}
