#!/usr/bin/env node
// bench/density.mjs: how many bytes does one idle virtual client cost the generator? For each
// mode — `raw` (plain `ws` clients with a ping timer each: the floor), ws-ping, heartbeat, chat —
// and two sizes, a fresh process with a load worker's flags and environment (WORKER_EXEC_ARGV,
// workerEnv from src/load/worker-pool.ts) holds that many clients, each heartbeating every 5 s,
// and reports its RSS. Per mode: KB added per extra client between the two sizes (peak and median
// RSS during the hold: the figure issue 14's target of 10 KB is about) and the live heap per
// client after a forced GC (what the objects take, without the heap's slack). ws-ping and raw run
// against one plain `ws` server (bench/lib/ws-server.mjs), heartbeat and chat against `imh serve`,
// each server in its own process and not counted.
//
//   npm run bench:density
//   node bench/density.mjs --modes raw,ws-ping --sizes 2000,4000 --hold 15
//
// Writes bench/results/density.json (or --out FILE).
import {spawn} from 'node:child_process'
import {mkdirSync, writeFileSync} from 'node:fs'
import {cpus, totalmem} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {parseArgs, round, startReadyChild} from './lib/proc.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const args = parseArgs(process.argv.slice(2), {modes: 'string', sizes: 'string', hold: 'number', out: 'string'})
const modes = (args.modes ?? 'raw,ws-ping,heartbeat,chat').split(',').map((s) => s.trim())
const sizes = (args.sizes ?? '2500,5000').split(',').map(Number)
const holdS = args.hold ?? 15
if (sizes.length !== 2 || !(sizes[0] > 0 && sizes[1] > sizes[0])) throw new Error('--sizes: two client counts, the smaller first (e.g. 2500,5000)')
const outFile = args.out ?? join(root, 'bench/results/density.json')
const {WORKER_EXEC_ARGV, workerEnv} = await import(pathToFileURL(join(root, 'dist/src/load/worker-pool.js')).href)

function measure(mode, clients, urls) {
  const child = spawn(process.execPath, ['--expose-gc', ...WORKER_EXEC_ARGV, 'bench/lib/density-child.mjs', mode, String(clients), String(holdS), JSON.stringify(urls)], {
    cwd: root, env: {...process.env, ...workerEnv()}, stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (d) => (out += d))
  const timer = setTimeout(() => child.kill('SIGKILL'), (holdS + 240) * 1000)
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

const results = {}
for (const mode of modes) {
  const runs = []
  for (const n of sizes) {
    const s = await server(mode)
    try {
      const r = await measure(mode, n, s.urls)
      runs.push(r)
      console.log(`${mode} ${n}: connected ${r.connected}, peak ${round(r.peakKb / 1024, 1)} MB, median ${round(r.medianKb / 1024, 1)} MB (before ${round(r.beforeKb / 1024, 1)} MB)`)
    } finally {
      await s.stop()
    }
  }
  const [a, b] = runs
  const per = (k) => round((b[k] - a[k]) / (b.connected - a.connected), 2)
  results[mode] = {
    runs,
    kbPerClientPeak: per('peakKb'),
    kbPerClientMedian: per('medianKb'),
    heapKbPerClient: round((b.heapAfterGcKb - b.heapBeforeKb) / b.connected, 2),
    allConnected: runs.every((r) => r.connected === r.clients),
  }
  console.log(`${mode}: ${results[mode].kbPerClientPeak} KB per extra client (peak RSS), ${results[mode].kbPerClientMedian} (median), live heap ${results[mode].heapKbPerClient} KB per client`)
}
const raw = results.raw?.kbPerClientPeak
for (const [mode, r] of Object.entries(results)) if (raw && mode !== 'raw') r.ratioToRaw = round(r.kbPerClientPeak / raw, 2)

mkdirSync(dirname(outFile), {recursive: true})
writeFileSync(outFile, `${JSON.stringify({
  benchmark: 'density',
  description: `idle clients heartbeating every 5 s, ${sizes.join(' and ')} per process, held ${holdS} s after the ramp; RSS of the generating process (worker flags: ${WORKER_EXEC_ARGV.join(' ')}, ${Object.entries(workerEnv()).map(([k, v]) => `${k}=${v}`).join(' ')})`,
  target: 'at most 10 KB of RSS added per idle client (issue 14)',
  machine: {cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryMb: Math.round(totalmem() / 2 ** 20), node: process.version},
  date: new Date().toISOString(),
  sizes,
  holdS,
  modes: results,
}, null, 2)}\n`)
console.log(`written to ${outFile}`)
