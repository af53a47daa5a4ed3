#!/usr/bin/env node
// bench/media.mjs: what does `imh load`'s download scenario cost against a raw client? Both pull
// the reference server's game download (PROTOCOL.md §16, /download/game.bin, 32 MiB) in 1 MiB
// Range requests (`Range: bytes=a-b`) from N concurrent downloaders for the same time, against one
// `imh serve --download-size 33554432` in its own process on 127.0.0.1:
//   raw: a plain undici loop in a child process of its own (this file with --raw-child; no
//        imharness code: undici and hdr-histogram-js only), bodies read and dropped;
//   imh: `imh load --profile download --workers 1` (which also checks every byte, Content-Range
//        and the ETag across chunks, If-Range after the first chunk, and one If-None-Match → 304
//        after each whole download).
// For each N (default 4 and 16) the runs go raw, imh, imh, raw (rounds alternate the order, as in
// overhead.mjs) so drift over the run favours neither side; the summary is the median of the runs
// of a kind, and the ratios are imh / raw. Also measured, raw only: the server's 304 revalidation
// rate (If-None-Match with the current ETag).
//
//   npm run bench:media
//   node bench/media.mjs --clients 4,16 --seconds 10 --rounds 2 [--no-revalidate]
//
// Writes bench/results/media.json.
import {spawn} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {cpus, release, totalmem, tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

const SIZE = 32 * 1024 * 1024
const CHUNK = 1024 * 1024
const self = fileURLToPath(import.meta.url)
const root = resolve(dirname(self), '..')

// ---- the raw baseline, in its own process ------------------------------------------------------
// node bench/media.mjs --raw-child download|revalidate <media url> <clients> <seconds>
// Prints one JSON line with the figures and exits.
if (process.argv[2] === '--raw-child') {
  const [mode, media, n, s] = process.argv.slice(3)
  const {Agent, request} = await import('undici')
  const hdr = (await import('hdr-histogram-js')).default
  const clients = Number(n)
  const seconds = Number(s)
  const url = `${media}/download/game.bin`
  const agent = new Agent({connections: clients, pipelining: 1, keepAliveTimeout: 30_000})
  // Microseconds, 3 significant digits, up to an hour: what the harness records too.
  const hist = hdr.build({lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3})
  const perDownload = hdr.build({lowestDiscernibleValue: 1, highestTrackableValue: 100_000_000_000, numberOfSignificantValueDigits: 3})
  const q = (h, p, div) => Math.round((h.getValueAtPercentile(p) / div) * 1000) / 1000
  let bytes = 0
  let requests = 0
  let downloads = 0
  let bad = 0
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const end = t0 + seconds * 1000
  let last = t0
  if (mode === 'download') {
    await Promise.all(Array.from({length: clients}, async () => {
      while (performance.now() < end) {
        const d0 = performance.now()
        let got = 0
        for (let from = 0; from < SIZE && performance.now() < end; from += CHUNK) {
          const to = Math.min(SIZE, from + CHUNK) - 1
          const r0 = performance.now()
          const res = await request(url, {dispatcher: agent, headers: {range: `bytes=${from}-${to}`}})
          let len = 0
          for await (const chunk of res.body) len += chunk.length
          const r1 = performance.now()
          if (res.statusCode !== 206 || len !== to - from + 1) bad++
          hist.recordValue(Math.max(1, Math.round((r1 - r0) * 1000)))
          bytes += len
          got += len
          requests++
          last = Math.max(last, r1)
        }
        if (got === SIZE) {
          downloads++
          // bytes per second, so that ÷ 1000 gives kB/s as the download_throughput trend has it
          perDownload.recordValue(Math.max(1, Math.round(SIZE / ((performance.now() - d0) / 1000))))
        }
      }
    }))
  } else {
    const head = await request(url, {dispatcher: agent, headers: {range: 'bytes=0-0'}})
    await head.body.dump()
    const etag = head.headers.etag
    await Promise.all(Array.from({length: clients}, async () => {
      while (performance.now() < end) {
        const r0 = performance.now()
        const res = await request(url, {dispatcher: agent, headers: {'if-none-match': etag}})
        await res.body.dump()
        const r1 = performance.now()
        if (res.statusCode !== 304) bad++
        hist.recordValue(Math.max(1, Math.round((r1 - r0) * 1000)))
        requests++
        last = Math.max(last, r1)
      }
    }))
  }
  const elapsedS = (last - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  await agent.close()
  process.stdout.write(`${JSON.stringify({
    elapsedS,
    bytes,
    requests,
    downloads,
    bad,
    bytesPerSecond: bytes / elapsedS,
    requestsPerSecond: requests / elapsedS,
    requestMs: {count: requests, p50: q(hist, 50, 1000), p90: q(hist, 90, 1000), p99: q(hist, 99, 1000), max: q(hist, 100, 1000)},
    downloadThroughputKBps: downloads ? {count: downloads, p50: q(perDownload, 50, 1000), p10: q(perDownload, 10, 1000)} : null,
    clientCpuSeconds: Math.round((cpu.user + cpu.system) / 1e4) / 100,
  })}\n`)
  process.exit(0)
}

// ---- the run -----------------------------------------------------------------------------------
const {parseArgs, round, runImhLoad, startReadyChild} = await import('./lib/proc.mjs')
const args = parseArgs(process.argv.slice(2), {clients: 'string', seconds: 'number', rounds: 'number', 'no-revalidate': 'boolean', out: 'string'})
const CLIENTS = (args.clients ?? '4,16').split(',').map(Number)
const SECONDS = args.seconds ?? 10
const ROUNDS = args.rounds ?? 2
const REVALIDATE_SECONDS = 5
const outFile = args.out ?? join(root, 'bench/results/media.json')
if (!CLIENTS.length || CLIENTS.some((n) => !Number.isInteger(n) || n < 1 || n > 256)) throw new Error('--clients must be a comma-separated list of integers from 1 to 256')
if (!(SECONDS >= 2 && SECONDS <= 60)) throw new Error('--seconds must be from 2 to 60')
if (!Number.isInteger(ROUNDS) || ROUNDS < 1 || ROUNDS > 5) throw new Error('--rounds must be an integer from 1 to 5')
const tmp = mkdtempSync(join(tmpdir(), 'imh-bench-media-'))

/** Runs the raw baseline in a child process; resolves with its JSON line. */
function rawRun(mode, media, n, seconds) {
  return new Promise((resolve_, reject) => {
    const child = spawn(process.execPath, [self, '--raw-child', mode, media, String(n), String(seconds)], {stdio: ['ignore', 'pipe', 'pipe']})
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d))
    child.stderr.setEncoding('utf8').on('data', (d) => (err = (err + d).slice(-4000)))
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000)
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      try {
        resolve_(JSON.parse(out.trim().split('\n').at(-1)))
      } catch {
        reject(new Error(`the raw ${mode} loop exited (${code ?? signal}) without figures:\n${err}`))
      }
    })
  })
}

/** `imh load --profile download` against the same server; figures from its results JSON. */
async function imhRun(scheduler, n, k) {
  const file = join(tmp, `imh-${n}-${k}.json`)
  const imhArgs = ['--profile', 'download', '--target', scheduler, '--clients', String(n), '--duration', `${SECONDS}s`, '--workers', '1', '--out', file, '--quiet']
  const r = await runImhLoad(imhArgs, {cwd: root, timeoutMs: (SECONDS + 60) * 1000})
  let res
  try {
    res = JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    throw new Error(`imh load wrote no results (exit ${r.code ?? r.signal}${r.timedOut ? ', killed after the time limit' : ''}):\n${r.output.slice(-4000)}`)
  }
  const m = res.metrics.media_get
  const t = res.metrics.download_throughput
  const verified = res.counters.download_bytes_verified ?? 0
  const durationS = res.meta.durationMs / 1000
  return {
    command: `node bin/run.js load ${imhArgs.join(' ').replace(file, '<tmp>.json').replace(scheduler, '<scheduler>')}`,
    exitCode: r.code,
    durationS: round(durationS),
    bytesVerified: verified,
    // Every verified byte over the run's whole duration (downloads that finish in the graceful stop included).
    bytesPerSecond: verified / durationS,
    // The same over the schedule's seconds only (a download counts when it completes).
    bytesPerSecondInSchedule: res.timeSeries.filter((s) => s.second <= SECONDS).reduce((a, s) => a + (s.counters?.download_bytes_verified ?? 0), 0) / SECONDS,
    requestMs: m ? {count: m.count, p50: m.p50, p90: m.p90, p99: m.p99, max: m.max} : null,
    downloadThroughputKBps: t ? {count: t.count, p50: t.p50, p10: t.p10 ?? null} : null,
    errors: res.counters.errors ?? 0,
    errorsByCode: res.errors,
    saturation: {flagged: res.saturation?.flagged ?? false, maxEventLoopLagMs: res.saturation?.maxEventLoopLagMs},
    runError: res.runError ?? null,
  }
}

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (!s.length) return null
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const pkgVersion = (name) => JSON.parse(readFileSync(join(root, name ? `node_modules/${name}/package.json` : 'package.json'), 'utf8')).version

const wall0 = performance.now()
const order = []
for (let r = 0; r < ROUNDS; r++) order.push(...(r % 2 === 0 ? ['raw', 'imh'] : ['imh', 'raw']))
console.log(`bench:media  ${CLIENTS.join(' and ')} downloaders, ${CHUNK / 1024 / 1024} MiB Range chunks of a ${SIZE / 1024 / 1024} MiB object, ${SECONDS} s per run, order ${order.join(', ')}`)
const server = await startReadyChild([join(root, 'bin/run.js'), 'serve', '--download-size', String(SIZE)], 'imh serve', root)
const media = server.ready.media
const scheduler = server.ready.scheduler
const byClients = []
try {
  for (const n of CLIENTS) {
    const runs = []
    for (const [k, kind] of order.entries()) {
      const r = kind === 'raw' ? await rawRun('download', media, n, SECONDS) : await imhRun(scheduler, n, k)
      runs.push({kind, ...r})
      console.log(`  N=${String(n).padEnd(3)} ${kind.padEnd(4)} ${(r.bytesPerSecond / 1e6).toFixed(1).padStart(7)} MB/s  request p50 ${r.requestMs?.p50} ms  p99 ${r.requestMs?.p99} ms  (${r.requestMs?.count} requests${kind === 'imh' ? `, ${r.errors} errors, exit ${r.exitCode}` : `, ${r.bad} bad, client CPU ${r.clientCpuSeconds} s`})`)
    }
    const pick = (kind, f) => round(median(runs.filter((r) => r.kind === kind).map(f)))
    const summary = {}
    for (const kind of ['raw', 'imh']) {
      summary[kind] = {
        bytesPerSecond: pick(kind, (x) => x.bytesPerSecond),
        megabytesPerSecond: pick(kind, (x) => x.bytesPerSecond / 1e6),
        requestP50Ms: pick(kind, (x) => x.requestMs?.p50),
        requestP99Ms: pick(kind, (x) => x.requestMs?.p99),
        downloadThroughputP50KBps: pick(kind, (x) => x.downloadThroughputKBps?.p50),
      }
    }
    summary.imh.megabytesPerSecondInSchedule = pick('imh', (x) => x.bytesPerSecondInSchedule / 1e6)
    summary.imh.errors = runs.filter((r) => r.kind === 'imh').reduce((a, r) => a + r.errors, 0)
    summary.imh.saturated = runs.some((r) => r.kind === 'imh' && r.saturation.flagged)
    summary.raw.badResponses = runs.filter((r) => r.kind === 'raw').reduce((a, r) => a + r.bad, 0)
    summary.ratio = {
      bytesPerSecond: round(summary.imh.bytesPerSecond / summary.raw.bytesPerSecond),
      requestP50: round(summary.imh.requestP50Ms / summary.raw.requestP50Ms),
      requestP99: round(summary.imh.requestP99Ms / summary.raw.requestP99Ms),
    }
    byClients.push({clients: n, summary, runs})
  }

  let revalidation = null
  if (!args['no-revalidate']) {
    const n = Math.max(...CLIENTS)
    const r = await rawRun('revalidate', media, n, REVALIDATE_SECONDS)
    revalidation = {clients: n, seconds: REVALIDATE_SECONDS, requestsPerSecond: round(r.requestsPerSecond, 0), requests: r.requests, notModified: r.requests - r.bad, requestMs: r.requestMs, clientCpuSeconds: r.clientCpuSeconds}
    console.log(`  304    raw  ${revalidation.requestsPerSecond} revalidations/s from ${n} clients (If-None-Match, p50 ${r.requestMs.p50} ms, p99 ${r.requestMs.p99} ms, ${r.bad} not 304)`)
  }

  const imhCommand = byClients[0]?.runs.find((r) => r.kind === 'imh')?.command
  const result = {
    benchmark: 'media',
    description: 'the media group\'s download path: a raw undici Range loop (own process, bodies dropped) vs imh load --profile download (every byte, Content-Range and ETag checked) on the same N downloaders, against one imh serve in its own process on 127.0.0.1; ratios are imh / raw of the medians over the runs of each kind',
    date: new Date().toISOString(),
    command: `node bench/media.mjs ${process.argv.slice(2).join(' ')}`.trim(),
    machine: {node: process.version, platform: process.platform, release: release(), cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: round(totalmem() / 2 ** 30, 1)},
    versions: {imharness: pkgVersion(), undici: pkgVersion('undici'), 'hdr-histogram-js': pkgVersion('hdr-histogram-js')},
    setup: {
      clients: CLIENTS, seconds: SECONDS, rounds: ROUNDS, order, objectBytes: SIZE, chunkBytes: CHUNK, imhWorkers: 1,
      server: `node bin/run.js serve --download-size ${SIZE}`,
      imh: imhCommand,
      raw: 'node bench/media.mjs --raw-child download <media> <N> <seconds>',
      notes: [
        'raw bytes/s: body bytes of every request ÷ the time to the last response; imh bytes/s: counters.download_bytes_verified ÷ meta.durationMs (megabytesPerSecondInSchedule: only the downloads completed within the schedule\'s seconds)',
        'request latency: request sent → body fully received (media_get for imh, which also holds the one If-None-Match → 304 after each whole download)',
        'download throughput: one whole 32 MiB download ÷ its time, kB/s (1000 bytes per second) as download_throughput has it',
        'medians over runs of a kind (2 runs: their mean)',
      ],
    },
    results: byClients.map(({clients, summary}) => ({clients, ...summary})),
    revalidation,
    perRun: byClients.map(({clients, runs}) => ({clients, runs})),
    wallSeconds: round((performance.now() - wall0) / 1000, 1),
  }
  mkdirSync(dirname(outFile), {recursive: true})
  writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`)

  const cell = (x, w = 8) => String(x ?? '-').padStart(w)
  console.log(`
download of ${SIZE / 1024 / 1024} MiB in ${CHUNK / 1024 / 1024} MiB Range requests, medians over ${ROUNDS} runs each
   N  kind      MB/s  req p50  req p99  dl p50 kB/s
${byClients.map(({clients, summary: s}) => ['raw', 'imh'].map((k) => `${cell(clients, 4)}  ${k.padEnd(4)}${cell(s[k].megabytesPerSecond, 10)}${cell(s[k].requestP50Ms, 9)}${cell(s[k].requestP99Ms, 9)}${cell(s[k].downloadThroughputP50KBps, 13)}`).join('\n') + `\n${cell(clients, 4)}  imh/raw   ×${s.ratio.bytesPerSecond} bytes/s, ×${s.ratio.requestP50} p50, ×${s.ratio.requestP99} p99${s.imh.errors ? `  (imh errors ${s.imh.errors})` : ''}`).join('\n')}${revalidation ? `
304 revalidation (raw, ${revalidation.clients} clients): ${revalidation.requestsPerSecond} requests/s` : ''}
wall time ${result.wallSeconds} s; written to ${outFile.startsWith(root) ? outFile.slice(root.length + 1) : outFile}`)
} finally {
  await server.stop()
  rmSync(tmp, {recursive: true, force: true})
}
