#!/usr/bin/env node
// bench/lib/cpuprofile-top.mjs: the top frames of a `node --cpu-prof` profile, by self time and by
// total (inclusive) time, with the share of the samples each takes. Used to find the hot spots
// on the reference server's SYNC path (bench:sync's profiling step).
//
//   node bench/lib/cpuprofile-top.mjs FILE.cpuprofile [--top 25] [--json] [--window FROM,TO]
//
// --window keeps the samples taken from FROM to TO seconds after the profile started (the steady
// part of a run, without module loading, logins and the drain).
import {readFileSync} from 'node:fs'
import {relative} from 'node:path'

/** {self, total} rows, ms and share of samples, for the top `top` frames of a parsed profile. */
export function topFrames(profile, top = 25, root = process.cwd(), window = undefined) {
  if (window) profile = {...profile, ...windowed(profile, window[0], window[1])}
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const hits = new Map()
  for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1)
  const total = profile.samples.length
  const dt = (profile.endTime - profile.startTime) / 1000 / Math.max(1, total)
  const label = (n) => {
    const f = n.callFrame
    const file = f.url ? relative(root, f.url.replace(/^file:\/\//, '')) : ''
    return `${f.functionName || '(anonymous)'} ${file}${file ? `:${f.lineNumber + 1}` : ''}`
  }
  const self = new Map()
  const incl = new Map()
  for (const [id, count] of hits) {
    const n = byId.get(id)
    const key = label(n)
    self.set(key, (self.get(key) ?? 0) + count)
    // Inclusive: each distinct frame on the stack once.
    const seen = new Set()
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const k = label(byId.get(cur))
      if (seen.has(k)) continue
      seen.add(k)
      incl.set(k, (incl.get(k) ?? 0) + count)
    }
  }
  const idle = [...hits].filter(([id]) => ['(idle)', '(program)', '(garbage collector)'].includes(byId.get(id).callFrame.functionName))
  const rows = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([frame, count]) => ({frame, ms: Math.round(count * dt), share: Math.round((count / total) * 1000) / 10}))
  return {samples: total, ms: Math.round(total * dt), special: Object.fromEntries(idle.map(([id, c]) => [byId.get(id).callFrame.functionName, Math.round((c / total) * 1000) / 10])), self: rows(self), total: rows(incl)}
}

/** The samples taken from `fromS` to `toS` seconds after the start, with the span they cover. */
function windowed(profile, fromS, toS) {
  const samples = []
  let t = profile.startTime
  let first
  let last
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i]
    const s = (t - profile.startTime) / 1e6
    if (s < fromS || s > toS) continue
    samples.push(profile.samples[i])
    first ??= t
    last = t
  }
  return {samples, startTime: first ?? profile.startTime, endTime: last ?? profile.startTime}
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const [file, ...rest] = process.argv.slice(2)
  const top = rest.includes('--top') ? Number(rest[rest.indexOf('--top') + 1]) : 25
  const window = rest.includes('--window') ? rest[rest.indexOf('--window') + 1].split(',').map(Number) : undefined
  const r = topFrames(JSON.parse(readFileSync(file, 'utf8')), top, process.cwd(), window)
  if (rest.includes('--json')) console.log(JSON.stringify(r, null, 1))
  else {
    console.log(`${r.samples} samples, ${r.ms} ms; special (% of samples): ${JSON.stringify(r.special)}`)
    console.log('self:')
    for (const x of r.self) console.log(`  ${String(x.share).padStart(5)}%  ${x.frame}`)
    console.log('total:')
    for (const x of r.total) console.log(`  ${String(x.share).padStart(5)}%  ${x.frame}`)
  }
}
