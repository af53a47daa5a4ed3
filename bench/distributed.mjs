#!/usr/bin/env node
// bench/distributed.mjs: what distributing a run costs (issue 15). The same profile with the same
// total clients runs as one distributed run over 1, 2 and 4 agents (`imh agent` processes on this
// machine, `imh load --distributed` as the coordinator), against one `imh serve --flows core` and
// one redis-server of the bench's own (free ports on 127.0.0.1, no persistence; all stopped at the
// end), plus a plain `imh load --workers 1` as the reference without Redis. Per run it measures:
// - coordinator CPU seconds (its process and any children, from this process's cutime+cstime,
//   which take a child's CPU when it is waited for) and per second of run;
// - each agent's CPU seconds over the run (the agent and the workers it forked for the run and
//   waited for: /proc/PID/stat utime+stime+cutime+cstime before and after), per agent and in all,
//   and per 1,000 clients;
// - Redis traffic: INFO deltas over the run of total_net_input_bytes, total_net_output_bytes,
//   total_commands_processed and used_cpu_user+sys, per second of run; and per agent;
// - the merged figures from the coordinator's results.json (counts: sent, delivered, lost,
//   duplicates, errors; sync_latency and heartbeat_rtt count/p50/p99) and their ratio to the
//   1-agent run's.
//
//   npm run bench:distributed                               # 2,000 clients, 30 s, 1/2/4 agents
//   node bench/distributed.mjs --clients 200 --duration 5s  # a small trial (distributed-200.json)
//   node bench/distributed.mjs --agents 1,3 --profile smoke
//
// Options: --clients N (2000), --duration D (30s), --agents LIST (1,2,4), --profile NAME (chat),
// --no-local (skip the plain run), --out FILE (bench/results/distributed.json for the defaults,
// else distributed-<clients>.json). Each run is bounded: the coordinator is killed after
// duration + 120 s, each agent must be ready in 30 s. Traffic stays on 127.0.0.1. Exit 0 when
// every run ran (its thresholds may have failed: `exit` 99 and `figures.ok` say so), else 1.
//
// Agents here share one machine with the coordinator, Redis and the server: the CPU figures are
// the coordinator's and Redis's own costs as agents are added, not the capacity of N machines.
import {spawn} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {cpus, tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {fileURLToPath} from 'node:url'
import {Redis} from 'ioredis'
import {parseDurationS} from './lib/duration.mjs'
import {cpuTimesS, memInfoMb, parseArgs, round, runImhLoad, startReadyChild} from './lib/proc.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const args = parseArgs(process.argv.slice(2), {clients: 'number', duration: 'string', agents: 'string', profile: 'string', 'no-local': 'boolean', out: 'string'})
const clients = args.clients ?? 2000
const duration = args.duration ?? '30s'
const durationS = parseDurationS(duration)
const agentCounts = (args.agents ?? '1,2,4').split(',').map(Number)
const profile = args.profile ?? 'chat'
if (agentCounts.some((n) => !Number.isInteger(n) || n < 1 || n > 16)) throw new Error('--agents: a comma-separated list of 1 to 16')
if (!(durationS > 0 && durationS <= 600)) throw new Error('--duration: more than 0 and at most 10m')
const defaults = args.clients === undefined && args.duration === undefined && args.agents === undefined && args.profile === undefined
const outFile = args.out ?? join(root, 'bench/results', defaults ? 'distributed.json' : `distributed-${clients}.json`)
const tmp = mkdtempSync(join(tmpdir(), 'imh-bench-distributed-'))

async function freePort() {
  const s = createServer()
  await new Promise((r, j) => s.once('error', j).listen(0, '127.0.0.1', r))
  const {port} = s.address()
  await new Promise((r) => s.close(r))
  return port
}

const stops = []
async function stopAll() {
  for (const stop of stops.splice(0).reverse()) await stop().catch(() => {})
}
process.once('SIGINT', () => stopAll().then(() => process.exit(130)))

/** A redis-server of the bench's own; resolves once it accepts connections. */
async function startRedisServer() {
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {stdio: ['ignore', 'pipe', 'pipe']})
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (d) => (out = (out + d).slice(-4000)))
  for (let i = 0; !out.includes('Ready to accept connections'); i++) {
    if (child.exitCode !== null || i > 100) throw new Error(`redis-server did not start: ${out}`)
    await sleep(100)
  }
  stops.push(async () => {
    child.kill('SIGTERM')
    await Promise.race([new Promise((r) => child.once('exit', r)), sleep(5000)])
  })
  return {url: `redis://127.0.0.1:${port}`, pid: child.pid}
}

/** INFO figures a run's traffic moves. */
async function redisInfo(client) {
  const text = (await client.info('stats')) + (await client.info('cpu'))
  const n = (k) => Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(text)?.[1] ?? NaN)
  return {inBytes: n('total_net_input_bytes'), outBytes: n('total_net_output_bytes'), commands: n('total_commands_processed'), cpuS: n('used_cpu_user') + n('used_cpu_sys')}
}

/** `imh agent` processes ({"event":"ready","role":"agent",…} once registered); killed if one fails to start. */
async function startAgents(n, redisUrl, prefix) {
  const settled = await Promise.allSettled(Array.from({length: n}, (_, i) => {
    const name = `bench-${n}-${i}`
    return startReadyChild(['bin/run.js', 'agent', '--redis', redisUrl, '--redis-prefix', prefix, '--name', name, '--workers', '1'], `imh agent ${name}`, root, {timeoutMs: 30_000})
  }))
  const agents = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
  const stop = async () => {
    await Promise.all(agents.map((a) => a.stop()))
    return agents.map((a) => a.child.exitCode)
  }
  const failed = settled.find((s) => s.status === 'rejected')
  if (failed) {
    await stop()
    throw failed.reason
  }
  return {agents, stop}
}

/** `imh load` as a child of this process; resolves with its outcome, its CPU seconds and its results.json. */
async function runCoordinator(loadArgs, name) {
  const out = join(tmp, `${name}.json`)
  // Nothing else of ours exits meanwhile, so what our waited-for children used grows by the coordinator's CPU alone.
  const cpuBefore = cpuTimesS().children
  const started = performance.now()
  const running = runImhLoad([profile, ...loadArgs, '--clients', String(clients), '--duration', duration, '--quiet', '--out', out], {cwd: root, timeoutMs: (durationS + 120) * 1000})
  const r = await running
  const wallS = (performance.now() - started) / 1000
  let results
  try {
    results = JSON.parse(readFileSync(out, 'utf8'))
  } catch {}
  const coordinatorCpuS = cpuTimesS().children - cpuBefore
  return {code: r.code, signal: r.signal, timedOut: r.timedOut, wallS, results, coordinatorCpuS, outputTail: r.code === 0 ? undefined : r.output.split('\n').slice(-15).join('\n')}
}

const METRICS = ['sync_latency', 'heartbeat_rtt']
const COUNTERS = ['sent', 'acked', 'delivered', 'lost', 'duplicates', 'errors']
function figures(results) {
  if (!results) return null
  return {
    ok: results.ok,
    // The generator's own verdict: latencies of a saturated run are the harness's.
    saturated: results.saturation?.flagged,
    durationMs: results.meta?.durationMs,
    counters: Object.fromEntries(COUNTERS.map((c) => [c, results.counters?.[c] ?? 0])),
    metrics: Object.fromEntries(METRICS.filter((m) => results.metrics?.[m]).map((m) => [m, {count: results.metrics[m].count, p50: results.metrics[m].p50, p99: results.metrics[m].p99}])),
    errors: results.errors ?? {},
    // Who ran what (without each agent's encoded histograms).
    agents: results.meta?.agents?.map(({id, host, workers, shard, lost, counters}) => ({id, host, workers, shard, lost, counters})),
  }
}

/** Each figure over the 1-agent run's: counts should be ~1 (same work), latencies show what spreading does. */
function ratios(f, base) {
  if (!f || !base) return null
  const r = (a, b) => (b ? round(a / b) : null)
  return {
    counters: Object.fromEntries(COUNTERS.map((c) => [c, r(f.counters[c], base.counters[c])])),
    metrics: Object.fromEntries(Object.keys(f.metrics).map((m) => [m, {p50: r(f.metrics[m].p50, base.metrics[m]?.p50), p99: r(f.metrics[m].p99, base.metrics[m]?.p99)}])),
  }
}

console.log(`bench:distributed — ${profile}, ${clients} clients, ${duration}, agents ${agentCounts.join(' / ')} (${cpus().length} cores)`)
const rows = []
try {
  const redis = await startRedisServer()
  const info = new Redis(redis.url, {lazyConnect: false, maxRetriesPerRequest: 1})
  stops.push(async () => info.disconnect())
  const server = await startReadyChild(['bin/run.js', 'serve', '--port', '0', '--flows', 'core', '--password-cost', '4'], 'imh serve', root)
  stops.push(() => server.stop())
  const target = server.ready.scheduler
  console.log(`  redis ${redis.url}, imh serve ${target}`)

  if (!args['no-local']) {
    const r = await runCoordinator(['--target', target, '--workers', '1'], 'local')
    rows.push({mode: 'local', agents: 0, exit: r.code, wallS: round(r.wallS), coordinatorCpuS: round(r.coordinatorCpuS), figures: figures(r.results), outputTail: r.outputTail})
    console.log(`  local (imh load --workers 1): exit ${r.code}, coordinator ${round(r.coordinatorCpuS, 2)} CPU s`)
  }
  for (const n of agentCounts) {
    const prefix = `bench-${n}:`
    const group = await startAgents(n, redis.url, prefix)
    stops.push(group.stop)
    const agentCpu = (pid) => {
      const t = cpuTimesS(pid)
      return t ? t.own + t.children : NaN
    }
    const cpuBefore = group.agents.map((a) => agentCpu(a.pid))
    const before = await redisInfo(info)
    const r = await runCoordinator(['--distributed', '--redis', redis.url, '--redis-prefix', prefix, '--agents', String(n), '--agents-wait', '30s', '--target', target], `agents-${n}`)
    const after = await redisInfo(info)
    const agentCpuS = group.agents.map((a, i) => round(agentCpu(a.pid) - cpuBefore[i]))
    stops.splice(stops.indexOf(group.stop), 1)
    const agentExits = await group.stop()
    const runS = (r.results?.meta?.durationMs ?? r.wallS * 1000) / 1000
    const perS = (x) => round(x / runS, 1)
    const redisDelta = {inBytes: after.inBytes - before.inBytes, outBytes: after.outBytes - before.outBytes, commands: after.commands - before.commands, cpuS: round(after.cpuS - before.cpuS)}
    const agentTotal = agentCpuS.reduce((a, b) => a + b, 0)
    rows.push({
      mode: 'distributed', agents: n, exit: r.code, wallS: round(r.wallS), runS: round(runS),
      coordinatorCpuS: round(r.coordinatorCpuS), coordinatorCpuPerS: round(r.coordinatorCpuS / runS),
      agentCpuS, agentCpuSTotal: round(agentTotal), agentCpuSPer1000Clients: round((agentTotal / clients) * 1000),
      redis: {...redisDelta, inBytesPerS: perS(redisDelta.inBytes), outBytesPerS: perS(redisDelta.outBytes), commandsPerS: perS(redisDelta.commands), bytesPerSPerAgent: perS((redisDelta.inBytes + redisDelta.outBytes) / n)},
      agentExits, figures: figures(r.results), outputTail: r.outputTail,
    })
    const row = rows.at(-1)
    console.log(`  ${n} agent(s): exit ${r.code}, coordinator ${round(r.coordinatorCpuS, 2)} CPU s (${round(row.coordinatorCpuPerS, 3)}/s), agents ${agentCpuS.join(' + ')} CPU s, redis ${row.redis.inBytesPerS} B/s in, ${row.redis.outBytesPerS} B/s out, ${row.redis.commandsPerS} cmd/s`)
  }
} catch (err) {
  rows.push({error: err.message})
  console.error(`  stopped: ${err.message}`)
} finally {
  await stopAll()
  rmSync(tmp, {recursive: true, force: true})
}

const base = rows.find((r) => r.mode === 'distributed' && r.agents === 1)?.figures
for (const r of rows) r.againstOneAgent = r === rows.find((x) => x.mode === 'distributed' && x.agents === 1) ? null : ratios(r.figures, base)
const output = {
  bench: 'distributed',
  command: `node bench/distributed.mjs ${process.argv.slice(2).join(' ')}`.trim(),
  profile, clients, duration, agents: agentCounts,
  notes: [
    'agents, coordinator, Redis and the server share this machine: coordinator and Redis costs per agent are the figures to read; agent CPU is split, not multiplied, capacity',
    'coordinator CPU: the imh load process and its children (this process\'s cutime+cstime delta); agent CPU: each agent with the workers it forked (utime+stime+cutime+cstime delta); Redis: INFO deltas over the run',
    'againstOneAgent: each figure over the 1-agent run\'s (counts should stay near 1; latencies show what spreading does)',
  ],
  machine: {cpus: cpus().length, cpuModel: cpus()[0]?.model, memory: memInfoMb(), node: process.version},
  runs: rows,
}
mkdirSync(dirname(outFile), {recursive: true})
writeFileSync(outFile, `${JSON.stringify(output, null, 2)}\n`)
console.log(`→ ${outFile}`)
// A run whose thresholds failed (99) is still a measurement (its figures say so); anything else is a failure of the bench.
process.exitCode = rows.every((r) => (r.exit === 0 || r.exit === 99) && !r.error) ? 0 : 1
