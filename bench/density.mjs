#!/usr/bin/env node
// bench/density.mjs: how many bytes does one idle virtual client cost the generator? For each
// mode — `raw` (plain `ws` clients with a ping timer each: the floor), ws-ping, heartbeat, chat —
// and several sizes, a fresh process with a load worker's flags and environment
// (WORKER_EXEC_ARGV, workerEnv from src/load/worker-pool.ts) holds that many clients, each
// heartbeating every 5 s (chat: and sending a message every 10 s), and reports its memory
// (bench/lib/density-child.mjs). Per mode:
//   kbPerClient      the figure issue 14's target of 10 KB is about: the least-squares slope of
//                    the settled RSS (median of the hold's second half, no forced GC) over the
//                    clients connected, across every size and repeat — what a user's worker
//                    really pays for each client it adds. `fit` gives the intercept (the fixed
//                    cost) and the largest residual, so a noisy run shows.
//   kbPerClientMedianPair  the median of the slopes between every two runs of different sizes
//                    (Theil–Sen): the same figure, robust to one run whose malloc or heap grew
//                    more than the others (the non-heap part varies by ±25 MB between
//                    identical runs on a busy machine).
//   kbPerClientPeak  the same slope of the peak RSS during the hold.
//   kbPerClientAtLargest  (settled − before) / clients at the largest size: the average cost,
//                    fixed costs of a run included (the worst of the repeats).
//   heapKbPerClient  slope of the resident V8 heap; nonHeapKbPerClient of the rest of the
//                    anonymous RSS (malloc: sockets, buffers); they add up to about kbPerClient.
//   liveKbPerClient  slope of the heap in use after a forced GC: the clients' live objects alone.
//   cpuHoldS         CPU seconds per size during the hold: what the worker's flags cost in GC.
// ws-ping and raw run against one plain `ws` server (bench/lib/ws-server.mjs), heartbeat and chat
// against `imh serve`, each server in its own process and not counted.
//
//   npm run bench:density
//   node bench/density.mjs --modes raw,ws-ping --sizes 1000,2500,4000 --hold 20 --repeat 2
//   node bench/density.mjs --modes chat --worker-flags --liftoff-only   (a candidate worker flag, after the worker's own)
//
// Writes bench/results/density.json (or --out FILE).
import {spawn} from 'node:child_process'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {cpus, loadavg, totalmem} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {parseArgs, round, startReadyChild} from './lib/proc.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const args = parseArgs(process.argv.slice(2), {modes: 'string', sizes: 'string', hold: 'number', repeat: 'number', out: 'string', from: 'string', 'worker-flags': 'string'})
// --from FILE: no measuring; the runs of an earlier output summarized again (by this version of
// the summary), e.g. to compare a result of an older commit figure for figure.
const earlier = args.from ? JSON.parse(readFileSync(args.from, 'utf8')) : undefined
const modes = earlier ? Object.keys(earlier.modes) : (args.modes ?? 'raw,ws-ping,heartbeat,chat').split(',').map((s) => s.trim())
const sizes = earlier?.sizes ?? (args.sizes ?? '1000,2500,4000').split(',').map(Number)
const holdS = earlier?.holdS ?? args.hold ?? 20
const repeat = earlier?.repeat ?? args.repeat ?? 1
if (sizes.length < 2 || !sizes.every((n, i) => Number.isInteger(n) && n > 0 && (i === 0 || n > sizes[i - 1]))) throw new Error('--sizes: two or more client counts, ascending (e.g. 1000,2500,4000)')
if (!(Number.isInteger(repeat) && repeat >= 1)) throw new Error('--repeat: a whole number of runs per size, at least 1')
const outFile = args.out ?? join(root, 'bench/results/density.json')
const current = await import(pathToFileURL(join(root, 'dist/src/load/worker-pool.js')).href)
// --worker-flags: node flags to try beside the worker's own (e.g. --liftoff-only), space-separated.
const WORKER_EXEC_ARGV = [...current.WORKER_EXEC_ARGV, ...(args['worker-flags'] ?? '').split(' ').filter(Boolean)]
const workerEnv = current.workerEnv

function measure(mode, clients, urls) {
  const child = spawn(process.execPath, ['--expose-gc', ...WORKER_EXEC_ARGV, 'bench/lib/density-child.mjs', mode, String(clients), String(holdS), JSON.stringify(urls)], {
    cwd: root, env: {...process.env, ...workerEnv()}, stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (d) => (out += d))
  const timer = setTimeout(() => child.kill('SIGKILL'), (holdS + 300) * 1000)
  return new Promise((resolveIt, reject) => {
    child.once('exit', (code) => {
      clearTimeout(timer)
      try {
        resolveIt(JSON.parse(out.trim().split('\n').at(-1)))
      } catch {
        reject(new Error(`${mode} ${clients}: exit ${code}, no result`))
      }
    })
  })
}

async function server(mode) {
  if (mode === 'raw' || mode === 'ws-ping') {
    const s = await startReadyChild(['bench/lib/ws-server.mjs', '900'], 'ws server', root)
    return {urls: {ws: `ws://127.0.0.1:${s.ready.port}/`}, stop: s.stop}
  }
  const s = await startReadyChild(['bin/run.js', 'serve', '--port', '0'], 'imh serve', root)
  return {urls: {scheduler: s.ready.scheduler}, stop: s.stop}
}

/** Least-squares line through (x, y): slope, intercept and the largest residual. */
function fit(points) {
  const n = points.length
  const mx = points.reduce((a, p) => a + p[0], 0) / n
  const my = points.reduce((a, p) => a + p[1], 0) / n
  const sxx = points.reduce((a, p) => a + (p[0] - mx) ** 2, 0)
  const slope = points.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0) / sxx
  const intercept = my - slope * mx
  const maxResidual = Math.max(...points.map(([x, y]) => Math.abs(y - (intercept + slope * x))))
  return {slope, intercept, maxResidual}
}

/** Theil–Sen: the median of the slopes between every two runs of different sizes; one odd run barely moves it. */
function medianPairSlope(points) {
  const slopes = []
  for (let i = 0; i < points.length; i++) for (let j = i + 1; j < points.length; j++) {
    if (points[i][0] !== points[j][0]) slopes.push((points[j][1] - points[i][1]) / (points[j][0] - points[i][0]))
  }
  slopes.sort((a, b) => a - b)
  const mid = slopes.length >> 1
  return slopes.length % 2 ? slopes[mid] : (slopes[mid - 1] + slopes[mid]) / 2
}

const results = {}
for (const mode of modes) {
  const runs = earlier ? earlier.modes[mode].runs : []
  for (let r = 0; r < (earlier ? 0 : repeat); r++) {
    for (const n of sizes) {
      const s = await server(mode)
      try {
        const run = await measure(mode, n, s.urls)
        runs.push(run)
        console.log(`${mode} ${n}: connected ${run.connected} in ${run.rampS} s, settled ${round(run.settledKb / 1024, 1)} MB (heap ${round(run.heapKb / 1024, 1)}, other ${round(run.nonHeapKb / 1024, 1)}), peak ${round(run.peakKb / 1024, 1)} MB, before ${round(run.beforeKb / 1024, 1)} MB, live heap after GC ${round(run.heapAfterGcKb / 1024, 1)} MB, CPU ${run.cpuHoldS} s in ${holdS} s`)
      } finally {
        await s.stop()
      }
    }
  }
  const slope = (k) => fit(runs.map((r) => [r.connected, r[k]]))
  const settled = slope('settledKb')
  results[mode] = {
    runs,
    kbPerClient: round(settled.slope, 2),
    fit: {interceptMb: round(settled.intercept / 1024, 1), maxResidualMb: round(settled.maxResidual / 1024, 1)},
    kbPerClientMedianPair: round(medianPairSlope(runs.map((r) => [r.connected, r.settledKb])), 2),
    kbPerClientPeak: round(slope('peakKb').slope, 2),
    // At the largest size, everything the clients added over the process before them, divided
    // by their number: includes what the run adds once (compiled code, pools), so at least the slope.
    kbPerClientAtLargest: round(Math.max(...runs.filter((r) => r.clients === sizes.at(-1)).map((r) => (r.settledKb - r.beforeKb) / r.connected)), 2),
    heapKbPerClient: round(slope('heapKb').slope, 2),
    nonHeapKbPerClient: round(slope('nonHeapKb').slope, 2),
    liveKbPerClient: round(slope('heapAfterGcKb').slope, 2),
    allConnected: runs.every((r) => r.connected === r.clients),
  }
  const m = results[mode]
  console.log(`${mode}: ${m.kbPerClient} KB of RSS per added client (settled; median of pair slopes ${m.kbPerClientMedianPair}; peak ${m.kbPerClientPeak}; ${m.kbPerClientAtLargest} on average at ${sizes.at(-1)}): heap ${m.heapKbPerClient} + other ${m.nonHeapKbPerClient}; live objects ${m.liveKbPerClient} KB; fit ±${m.fit.maxResidualMb} MB`)
}
const raw = results.raw?.kbPerClient
for (const [mode, r] of Object.entries(results)) if (raw && mode !== 'raw') r.ratioToRaw = round(r.kbPerClient / raw, 2)

mkdirSync(dirname(outFile), {recursive: true})
writeFileSync(outFile, `${JSON.stringify({
  benchmark: 'density',
  description: earlier?.description ?? `idle clients heartbeating every 5 s (chat: a message every 10 s), ${sizes.join(', ')} per process${repeat > 1 ? ` (${repeat} runs each)` : ''}, held ${holdS} s after the ramp; RSS of the generating process (worker flags: ${WORKER_EXEC_ARGV.join(' ')}, ${Object.entries(workerEnv()).map(([k, v]) => `${k}=${v}`).join(' ')}). kbPerClient: least-squares slope of the settled RSS (median over the hold's second half, no forced GC) over clients connected; heap/nonHeap split it into V8 heap pages and the rest; live: heap in use after a forced GC`,
  target: 'at most 10 KB of RSS added per idle client (issue 14)',
  machine: {cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryMb: Math.round(totalmem() / 2 ** 20), node: process.version},
  date: earlier?.date ?? new Date().toISOString(),
  ...(earlier ? {resummarized: {from: args.from, workerFlags: earlier.description.match(/worker flags: ([^)]*)\)/)?.[1]}} : {}),
  sizes,
  holdS,
  repeat,
  load: earlier?.load ?? loadavg().map((l) => round(l, 2)),
  modes: results,
}, null, 2)}\n`)
console.log(`written to ${outFile}`)
