// bench/lib/sync-ab.mjs: bench:sync's side-by-side job (--against DIR). Two checkouts of imh — this
// one and DIR (a `git worktree add --detach DIR <commit>`, built) — each run their own `imh serve`
// and `imh load chat --rate R --workers 1` at the same time, at each rate in turn. On a machine
// other work shares, a ladder run after another meets another load; two runs side by side meet the
// same one, so their difference is the code's. Per side and rate, over the steady seconds: messages
// delivered per second, the exact p99 over the steady seconds (their merged histograms, see
// sync-window.mjs), the median and the worst second's sync_latency p99, the worst event-loop
// lag, and CPU µs per delivered message of the generator (its process tree) and of the server.
import {spawn} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {processInfo, processTree, round, startReadyChild} from './proc.mjs'
import {histEnv, windowLatency} from './sync-window.mjs'

const cpuOfTree = (pid) => processTree(pid).map(processInfo).filter(Boolean).reduce((s, p) => s + p.cpuS, 0)

/** One side at one rate: runs `imh load chat` to its end; its steady seconds' figures. */
async function side(root, server, {rate, clients, seconds, skipS, histPreload, boundMs}) {
  const tmp = mkdtempSync(join(tmpdir(), 'imh-bench-ab-'))
  const out = join(tmp, 'r.json')
  // --profile, not the positional: b6669fa's imh knows only the flag.
  const argv = ['bin/run.js', 'load', '--profile', 'chat', '--target', server.ready.scheduler, '--clients', String(clients), '--rate', String(rate), '--duration', `${seconds}s`, '--workers', '1', '-q', '--out', out]
  const histDir = join(tmp, 'hist')
  const env = histPreload ? histEnv(process.env, histDir, histPreload) : process.env
  const child = spawn(process.execPath, argv, {cwd: root, env, stdio: 'ignore', detached: true})
  const at = {}
  const mark = (k) => (at[k] = {gen: cpuOfTree(child.pid), server: processInfo(server.ready.pid)?.cpuS ?? Number.NaN})
  // CPU from the start of the steady seconds to a second before the end (the run winds down in it).
  const timers = [setTimeout(() => mark('from'), skipS * 1000), setTimeout(() => mark('to'), (seconds - 1) * 1000)]
  const kill = setTimeout(() => process.kill(-child.pid, 'SIGKILL'), (seconds + 60) * 1000)
  const code = await new Promise((r) => child.once('exit', r))
  for (const t of [...timers, kill]) clearTimeout(t)
  try {
    if (code !== 0 && code !== 99) throw new Error(`imh load chat (${root}) exited ${code}`)
    const r = JSON.parse(readFileSync(out, 'utf8'))
    const win = r.timeSeries.filter((s) => s.second > skipS && s.second <= seconds - 1)
    const delivered = win.reduce((n, s) => n + (s.counters.delivered ?? 0), 0)
    const p99s = win.map((s) => s.metrics.sync_latency?.p99 ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b)
    const window = histPreload ? windowLatency(histDir, win.map((s) => s.second), boundMs) : null
    const perMsg = (k) => (at.from && at.to && delivered > 0 ? round(((at.to[k] - at.from[k]) / delivered) * 1e6, 0) : null)
    return {
      deliveredPerS: round(delivered / Math.max(1, win.length), 1),
      p50Ms: r.metrics.sync_latency?.p50 ?? null,
      // The exact p99 over the same seconds (their merged histograms), and the share over the bound.
      p99WindowMs: window?.p99Ms ?? null,
      overBound: window?.over ?? null,
      sentPerS: round(win.reduce((n, s) => n + (s.counters.sent ?? 0), 0) / Math.max(1, win.length), 1),
      saturatedSeconds: win.filter((s) => s.saturated).length,
      p99MedianSecondMs: p99s[p99s.length >> 1] ?? null,
      p99WorstSecondMs: p99s.at(-1) ?? null,
      maxEventLoopLagMs: round(Math.max(0, ...win.map((s) => s.maxEventLoopLagMs ?? 0)), 1),
      generatorUsPerMsg: perMsg('gen'),
      serverUsPerMsg: perMsg('server'),
    }
  } finally {
    rmSync(tmp, {recursive: true, force: true})
  }
}

/**
 * Every rate, both sides at once. `sides` maps a name to a checkout's root; `rounds` repeats the
 * list of rates (the load on the machine moves; a difference that holds in every round is the code's).
 */
export async function abJob(sides, {rates, clients, seconds, rounds = 1, log = () => {}, histPreload, boundMs = 50}) {
  const servers = {}
  try {
    for (const [name, root] of Object.entries(sides)) servers[name] = await startReadyChild([join(root, 'bin/run.js'), 'serve', '--port', '0', '--flows', 'core'], `imh serve (${name})`, root)
    const rows = []
    for (let round_ = 0; round_ < rounds; round_++) {
      for (const rate of rates) {
        const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number)
        const results = await Promise.all(Object.entries(sides).map(async ([name, root]) => [name, await side(root, servers[name], {rate, clients, seconds, skipS: Math.min(8, seconds - 4), histPreload, boundMs})]))
        const row = {round: round_ + 1, rate, loadavg: load, ...Object.fromEntries(results)}
        rows.push(row)
        log(`ab ${rate}/s: ${JSON.stringify(row)}`)
      }
    }
    return {sides, clients, seconds, rows}
  } finally {
    for (const s of Object.values(servers)) await s.stop()
  }
}
