// bench/lib/sync-hist-preload.mjs: each second's sync_latency histogram of a load worker, for
// bench:sync's window p99. results.json's time series keeps only a second's {count, p50, p99}, and
// per-second percentiles do not merge; the exact p99 over a step's steady seconds needs the
// seconds' histograms. A worker sends them to its coordinator anyway (the 'delta' message, the
// HDR V2 encoding, base64): this file, loaded with NODE_OPTIONS=--import=<this file> and
// IMH_SYNC_HIST=DIR (a forked worker inherits both), copies each one to DIR/worker-<pid>.jsonl as
// it is sent. It reads the worker protocol's messages (the same in b6669fa and since), changes
// none, and costs a line appended a second. The coordinator process has no process.send: untouched.
import {appendFileSync, mkdirSync} from 'node:fs'
import {join} from 'node:path'

const dir = process.env.IMH_SYNC_HIST
if (dir && typeof process.send === 'function') {
  mkdirSync(dir, {recursive: true})
  const file = join(dir, `worker-${process.pid}.jsonl`)
  const write = (o) => {
    try {
      appendFileSync(file, `${JSON.stringify(o)}\n`)
    } catch {
      // the bench reads what is there
    }
  }
  // Seen on its way to the worker's listener, not with one of its own: a 'message' listener added
  // here would start reading the channel before the worker listens, and the worker's init be lost.
  const emit = process.emit
  process.emit = function (name, m, ...rest) {
    if (name === 'message' && m?.type === 'start') write({start: m.startAtMs})
    return emit.call(this, name, m, ...rest)
  }
  const send = process.send
  process.send = function (m, ...rest) {
    if (m?.type === 'delta' || m?.type === 'final') {
      const h = m.delta?.histograms?.sync_latency
      if (h) write({atMs: m.atMs ?? null, final: m.type === 'final', h})
    }
    return send.call(this, m, ...rest)
  }
}
