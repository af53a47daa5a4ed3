#!/usr/bin/env node
// bench/soak.mjs: does `imh load` keep its memory flat in a long run? Runs a profile (mixed at 240
// clients by default) for 30 minutes against the embedded reference server (own process), samples
// the RSS of the generator (coordinator + every worker, summed) and of the reference server
// separately every few seconds from /proc, and writes bench/results/soak.json with both series and
// the slope of each after the ramp (MB/min, least squares), with the coordinator and each worker
// process on its own beside the generator's sum (the process that grows is the one to snapshot:
// `node --heapsnapshot-signal=SIGUSR2 bin/run.js load …` reaches the workers through execArgv).
// The generator's bookkeeping must not grow; the server's stored content (messages, posts,
// bottles, orders) may, so its slope is reported beside what it stored per minute (from
// results.json counters), not judged.
//
//   npm run bench:soak                               # mixed, 240 clients, 30 minutes
//   node bench/soak.mjs --duration 4m                # a shorter soak
//   node bench/soak.mjs --duration 4m --root /tmp/old-checkout --out bench/results/soak-before.json
//
// Options: --profile P (mixed), --clients N (240), --duration D (30m), --every S (sampling, 5),
// --ramp S (seconds left out of the slopes, default 60 or a fifth of the run, whichever is less),
// --root DIR (the checkout whose bin/run.js runs; default this one, for before/after runs), --out FILE.
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseDurationS} from './lib/duration.mjs'
import {parseArgs, processInfo, processTree, round, runImhLoad} from './lib/proc.mjs'

const here = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const args = parseArgs(process.argv.slice(2), {profile: 'string', clients: 'number', duration: 'string', every: 'number', ramp: 'number', root: 'string', out: 'string'})
const profile = args.profile ?? 'mixed'
const clients = args.clients ?? 240
const duration = args.duration ?? '30m'
const durationS = parseDurationS(duration)
if (!(durationS > 0)) throw new Error(`--duration must be a duration like 30m or 240s, got ${duration}`)
const everyS = args.every ?? 5
const rampS = args.ramp ?? Math.min(60, durationS / 5)
const root = resolve(args.root ?? here)
const outFile = resolve(args.out ?? join(here, 'bench/results/soak.json'))

const tmp = mkdtempSync(join(tmpdir(), 'imh-bench-soak-'))
const resultsFile = join(tmp, 'results.json')
const imhArgs = ['--profile', profile, '--clients', String(clients), '--duration', duration, '--out', resultsFile, '--quiet']
console.log(`bench:soak  ${profile} at ${clients} clients for ${duration}, sampling every ${everyS} s${root === here ? '' : ` (running ${root})`}`)
console.log(`  node bin/run.js load ${imhArgs.join(' ')}`)

// ---- sampling: generator (coordinator + workers) and server, separately ------------------------
const isServer = (info) => info.cmdline.includes('serve') || info.cmdline.some((a) => /reference-server/.test(a))
const samples = []
let rootPid
let t0 = 0
const sample = () => {
  if (!rootPid) return
  let generatorKb = 0
  let coordinatorKb = 0
  let serverKb = 0
  let workers = 0
  const byWorker = {}
  for (const pid of processTree(rootPid)) {
    const info = processInfo(pid)
    if (!info) continue
    if (isServer(info)) serverKb += info.rssKb
    else {
      generatorKb += info.rssKb
      if (info.pid === rootPid) coordinatorKb = info.rssKb
      else {
        workers++
        byWorker[pid] = info.rssKb
      }
    }
  }
  samples.push({t: (performance.now() - t0) / 1000, generatorKb, coordinatorKb, workersKb: generatorKb - coordinatorKb, serverKb, workers, byWorker})
}
const sampler = setInterval(sample, everyS * 1000)
const run = await runImhLoad(imhArgs, {
  cwd: root,
  timeoutMs: (durationS + 180) * 1000,
  onSpawn: (pid) => {
    rootPid = pid
    t0 = performance.now()
  },
})
clearInterval(sampler)

let res
try {
  res = JSON.parse(readFileSync(resultsFile, 'utf8'))
} catch {
  console.error(`imh load wrote no results (exit ${run.code ?? run.signal}${run.timedOut ? ', killed after the time limit' : ''}):\n${run.output}`)
  rmSync(tmp, {recursive: true, force: true})
  process.exit(1)
}
rmSync(tmp, {recursive: true, force: true})

// ---- slopes after the ramp, until the load stops (the drain is left out) -----------------------
/** Least-squares slope of y over t, per minute. */
function slopePerMin(points) {
  if (points.length < 3) return null
  const n = points.length
  const mt = points.reduce((a, p) => a + p.t, 0) / n
  const my = points.reduce((a, p) => a + p.y, 0) / n
  let num = 0
  let den = 0
  for (const p of points) {
    num += (p.t - mt) * (p.y - my)
    den += (p.t - mt) ** 2
  }
  return den === 0 ? null : (num / den) * 60
}
const mb = (kb) => round(kb / 1024, 1)
// The load starts once a worker process exists; it stops durationS later (the drain follows).
const start = samples.find((s) => s.workers > 0)?.t ?? 0
// Samples taken once the generator's processes were gone (workers 0) are not part of the run.
const steady = samples.filter((s) => s.workers > 0 && s.t >= start + rampS && s.t <= start + durationS)
// The second half on its own: a heap still settling shows a slope that falls, a leak one that holds.
const secondHalf = (key) => series(key).filter((p) => p.t >= start + rampS + (durationS - rampS) / 2)
const series = (key) => steady.map((s) => ({t: s.t, y: s[key] / 1024}))
// Each worker process on its own (by pid), so that one growing worker is not hidden by the sum.
const workerPids = [...new Set(steady.flatMap((s) => Object.keys(s.byWorker)))]
const perWorker = workerPids.map((pid) => ({
  pid: Number(pid),
  slopeMbPerMin: round(slopePerMin(steady.filter((s) => s.byWorker[pid] !== undefined).map((s) => ({t: s.t, y: s.byWorker[pid] / 1024}))), 2),
  rssMbAtEnd: mb(steady.findLast((s) => s.byWorker[pid] !== undefined)?.byWorker[pid] ?? 0),
}))
const minutes = durationS / 60
const counters = res.counters ?? {}
// What the server was asked to store per minute of load, from the run's own counters.
const STORED = ['acked', 'bottles_thrown', 'bottle_replies', 'orders', 'paid', 'moment_notices']
const storedPerMin = Object.fromEntries(STORED.filter((k) => counters[k] !== undefined).map((k) => [k, round(counters[k] / minutes, 1)]))

const result = {
  benchmark: 'soak',
  description: `imh load --profile ${profile} at ${clients} clients for ${duration} against the embedded reference server: RSS of the generator (coordinator + every worker, summed) and of the reference server, sampled every ${everyS} s; slopes after the first ${rampS} s of load`,
  command: `node bin/run.js load ${imhArgs.join(' ').replace(resultsFile, '<tmp>/results.json')}`,
  root: root === here ? '.' : root,
  machine: {...res.meta?.machine, node: process.version},
  date: new Date().toISOString(),
  exitCode: run.code,
  ok: res.ok,
  errors: res.errors ?? {},
  saturation: {flagged: res.saturation?.flagged ?? null, maxEventLoopLagMs: res.saturation?.maxEventLoopLagMs ?? null},
  generator: {
    slopeMbPerMin: round(slopePerMin(series('generatorKb')), 2),
    coordinatorSlopeMbPerMin: round(slopePerMin(series('coordinatorKb')), 2),
    workersSlopeMbPerMin: round(slopePerMin(series('workersKb')), 2),
    secondHalfSlopeMbPerMin: round(slopePerMin(secondHalf('generatorKb')), 2),
    workersSecondHalfSlopeMbPerMin: round(slopePerMin(secondHalf('workersKb')), 2),
    workers: perWorker,
    rssMbAfterRamp: steady.length ? mb(steady[0].generatorKb) : null,
    rssMbAtEnd: steady.length ? mb(steady.at(-1).generatorKb) : null,
    rssMbMax: samples.length ? mb(Math.max(...samples.map((s) => s.generatorKb))) : null,
    note: 'bookkeeping: must stay flat after the ramp',
  },
  server: {
    slopeMbPerMin: round(slopePerMin(series('serverKb')), 2),
    secondHalfSlopeMbPerMin: round(slopePerMin(secondHalf('serverKb')), 2),
    rssMbAfterRamp: steady.length ? mb(steady[0].serverKb) : null,
    rssMbAtEnd: steady.length ? mb(steady.at(-1).serverKb) : null,
    storedPerMinute: storedPerMin,
    note: 'stored content (messages, posts, bottles, orders) is allowed to grow; reported, not judged',
  },
  counters,
  samples: samples.map((s) => [round(s.t, 1), mb(s.generatorKb), mb(s.coordinatorKb), mb(s.workersKb), mb(s.serverKb), s.workers]),
  samplesColumns: ['t_s', 'generatorRssMb', 'coordinatorRssMb', 'workersRssMb', 'serverRssMb', 'workers'],
}
mkdirSync(dirname(outFile), {recursive: true})
writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`)

const f = (x, unit = '') => (x === null || x === undefined ? 'n/a' : `${x}${unit}`)
const g = result.generator
const s = result.server
console.log(`
generator RSS   ${f(g.rssMbAfterRamp, ' MB')} after the ramp → ${f(g.rssMbAtEnd, ' MB')} at the end; slope ${f(g.slopeMbPerMin, ' MB/min')}, second half ${f(g.secondHalfSlopeMbPerMin, ' MB/min')} (coordinator ${f(g.coordinatorSlopeMbPerMin, ' MB/min')}, workers ${f(g.workersSlopeMbPerMin, ' MB/min')}: ${g.workers.map((w) => f(w.slopeMbPerMin)).join(' / ')})
server RSS      ${f(s.rssMbAfterRamp, ' MB')} after the ramp → ${f(s.rssMbAtEnd, ' MB')} at the end; slope ${f(s.slopeMbPerMin, ' MB/min')} (stored per minute: ${JSON.stringify(s.storedPerMinute)})
errors          ${JSON.stringify(result.errors)}; saturation ${result.saturation.flagged ? 'FLAGGED' : 'no'}
exit            ${run.code ?? run.signal}
written to ${outFile.startsWith(`${here}/`) ? outFile.slice(here.length + 1) : outFile}`)
