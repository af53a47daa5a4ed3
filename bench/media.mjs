#!/usr/bin/env node
// bench/media.mjs: what does `imh load`'s download scenario cost against a raw client? Both pull
// the reference server's game download (PROTOCOL.md §16) in 1 MiB Range requests from N
// concurrent downloaders for the same time, against one `imh serve` in its own process: a raw
// undici loop in this process (no imharness code, bodies read and dropped), and `imh load
// --profile download --workers 1` (which also checks every byte, Content-Range and the ETag
// across chunks). Rounds alternate the order (raw, imh, imh, raw, …) so drift over the run does
// not favour either side. Also measured: the server's 304 revalidation rate (raw only).
//
//   npm run bench:media
//   node bench/media.mjs --clients 8 --seconds 10 --rounds 2
//
// Writes bench/results/media.json.
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {cpus, tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {Agent, request} from 'undici'
import {LatencyHistogram} from '../dist/src/load/metrics/histogram.js'
import {parseArgs, round, runImhLoad, startReadyChild} from './lib/proc.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const args = parseArgs(process.argv.slice(2), {clients: 'number', seconds: 'number', rounds: 'number', out: 'string'})
const N = args.clients ?? 8
const SECONDS = args.seconds ?? 10
const ROUNDS = args.rounds ?? 2
const SIZE = 32 * 1024 * 1024
const CHUNK = 1024 * 1024
const outFile = args.out ?? join(root, 'bench/results/media.json')
if (!Number.isInteger(N) || N < 1 || N > 256) throw new Error('--clients must be an integer from 1 to 256')
if (!(SECONDS >= 2 && SECONDS <= 120)) throw new Error('--seconds must be from 2 to 120')
if (!Number.isInteger(ROUNDS) || ROUNDS < 1 || ROUNDS > 5) throw new Error('--rounds must be an integer from 1 to 5')
const tmp = mkdtempSync(join(tmpdir(), 'imh-bench-media-'))

/** N downloaders pulling game.bin in Range chunks until the time is up; bytes/s and per-request latency. */
async function raw(media) {
  const url = `${media}/download/game.bin`
  const agent = new Agent({keepAliveTimeout: 30_000, pipelining: 1})
  const h = new LatencyHistogram()
  let bytes = 0
  const end = performance.now() + SECONDS * 1000
  await Promise.all(Array.from({length: N}, async () => {
    while (performance.now() < end) {
      for (let from = 0; from < SIZE && performance.now() < end; from += CHUNK) {
        const started = performance.now()
        const res = await request(url, {dispatcher: agent, headers: {range: `bytes=${from}-${Math.min(SIZE, from + CHUNK) - 1}`}})
        const body = Buffer.from(await res.body.arrayBuffer())
        if (res.statusCode !== 206) throw new Error(`raw download: HTTP ${res.statusCode}`)
        bytes += body.length
        h.record(performance.now() - started)
      }
    }
  }))
  await agent.close()
  return {bytesPerSecond: bytes / SECONDS, requestMs: {p50: round(h.percentile(50)), p99: round(h.percentile(99)), count: h.count}}
}

/** If-None-Match revalidations per second from N clients (each answer a 304 without a body). */
async function revalidations(media) {
  const url = `${media}/download/game.bin`
  const etag = (await request(url, {method: 'HEAD'})).headers.etag
  const agent = new Agent({keepAliveTimeout: 30_000, pipelining: 1})
  let n = 0
  const end = performance.now() + Math.min(SECONDS, 5) * 1000
  await Promise.all(Array.from({length: N}, async () => {
    while (performance.now() < end) {
      const res = await request(url, {dispatcher: agent, headers: {'if-none-match': etag}})
      await res.body.dump()
      if (res.statusCode !== 304) throw new Error(`revalidation: HTTP ${res.statusCode}`)
      n++
    }
  }))
  await agent.close()
  return round(n / Math.min(SECONDS, 5), 0)
}

async function imh(scheduler, i) {
  const file = join(tmp, `imh-${i}.json`)
  const r = await runImhLoad(['--profile', 'download', '--target', scheduler, '--clients', String(N), '--duration', `${SECONDS}s`, '--workers', '1', '--quiet', '--out', file], {cwd: root, timeoutMs: (SECONDS + 60) * 1000})
  if (r.code !== 0 && r.code !== 99) throw new Error(`imh load exited ${r.code}: ${r.output.slice(-2000)}`)
  const res = JSON.parse(readFileSync(file, 'utf8'))
  const m = res.metrics.media_get
  return {
    // Over the schedule's seconds only: downloads still running at its end may finish during the
    // graceful stop, and the raw loop stops at the same time.
    bytesPerSecond: res.timeSeries.filter((s) => s.second <= SECONDS).reduce((a, s) => a + (s.counters.download_bytes_verified ?? 0), 0) / SECONDS,
    requestMs: {p50: m.p50, p99: m.p99, count: m.count},
    downloadThroughputKBps: {p50: res.metrics.download_throughput?.p50, p99: res.metrics.download_throughput?.p99},
    errors: res.counters.errors ?? 0,
    saturated: res.saturation?.flagged ?? false,
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

const server = await startReadyChild([join(root, 'bin/run.js'), 'serve', '--download-size', String(SIZE)], 'imh serve', root)
const rounds = []
try {
  for (let i = 0; i < ROUNDS; i++) {
    const order = i % 2 === 0 ? ['raw', 'imh'] : ['imh', 'raw']
    const r = {}
    for (const kind of order) r[kind] = kind === 'raw' ? await raw(server.ready.media) : await imh(server.ready.scheduler, i)
    rounds.push(r)
    process.stderr.write(`round ${i + 1}: raw ${(r.raw.bytesPerSecond / 1e6).toFixed(1)} MB/s, imh ${(r.imh.bytesPerSecond / 1e6).toFixed(1)} MB/s\n`)
  }
  const pick = (kind, f) => round(median(rounds.map((r) => f(r[kind]))))
  const summary = {}
  for (const kind of ['raw', 'imh']) {
    summary[kind] = {
      megabytesPerSecond: pick(kind, (x) => x.bytesPerSecond / 1e6),
      requestP50Ms: pick(kind, (x) => x.requestMs.p50),
      requestP99Ms: pick(kind, (x) => x.requestMs.p99),
    }
  }
  summary.imh.errors = rounds.reduce((a, r) => a + r.imh.errors, 0)
  summary.imh.saturated = rounds.some((r) => r.imh.saturated)
  summary.ratio = {
    throughput: round(summary.imh.megabytesPerSecond / summary.raw.megabytesPerSecond),
    requestP50: round(summary.imh.requestP50Ms / summary.raw.requestP50Ms),
    requestP99: round(summary.imh.requestP99Ms / summary.raw.requestP99Ms),
  }
  summary.revalidationsPerSecond = await revalidations(server.ready.media)
  const result = {
    bench: 'media',
    command: `node bench/media.mjs ${process.argv.slice(2).join(' ')}`.trim(),
    at: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    params: {clients: N, seconds: SECONDS, rounds: ROUNDS, objectBytes: SIZE, chunkBytes: CHUNK},
    summary,
    rounds,
  }
  mkdirSync(dirname(outFile), {recursive: true})
  writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`)
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`)
} finally {
  await server.stop()
  rmSync(tmp, {recursive: true, force: true})
}
