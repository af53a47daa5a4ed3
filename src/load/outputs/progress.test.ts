import {EventEmitter} from 'node:events'
import {describe, expect, it} from 'vitest'
import type {ExecutorKind, RunEvents, RunMeta, RunResult, TickSample} from '../types.js'
import {attachProgress} from './progress.js'

function fakeStream(isTTY: boolean) {
  const writes: string[] = []
  return {writes, stream: Object.assign(new EventEmitter(), {isTTY, columns: 200, write: (s: string) => (writes.push(s), true)}) as unknown as NodeJS.WritableStream & {isTTY?: boolean; columns?: number}}
}

function tick(second: number, over: Partial<TickSample> = {}): TickSample {
  return {
    second, elapsedMs: second * 1000, vus: 2000,
    counters: {sent: 400 + second, delivered: 398 + second, errors: second === 2 ? 3 : 0},
    metrics: {sync_latency: {count: 400, p50: 3.1, p99: 10 + second}, heartbeat_rtt: {count: 200, p50: 1.2, p99: 8.4}},
    maxEventLoopLagMs: 2, saturated: false, ...over,
  }
}

const meta = (executor: ExecutorKind) => ({scenarios: [{name: 'pairs', scenario: 'chat', executor}]}) as RunMeta

function run(isTTY: boolean, opts: {quiet?: boolean; plainIntervalS?: number} = {}, ticks = 10, start?: RunEvents['start'][0]) {
  const engine = new EventEmitter<RunEvents>()
  const {writes, stream} = fakeStream(isTTY)
  attachProgress(engine, {stream, ...opts})
  if (start) engine.emit('start', start)
  for (let s = 1; s <= ticks; s++) {
    engine.emit('tick', tick(s, s === 7 ? {saturated: true} : {}))
    if (s === 3) engine.emit('note', 'draining: waiting up to 10s for 12 messages')
  }
  engine.emit('done', {} as RunResult)
  engine.emit('tick', tick(99))
  return writes.join('')
}

describe('attachProgress', () => {
  it('redraws a block in place on a TTY and leaves the last state visible', () => {
    const out = run(true)
    expect(out).toContain('\u001b[3A')
    expect(out).toContain('\u001b[0J')
    const lastBlock = out.slice(out.lastIndexOf('\u001b[0J'))
    expect(lastBlock).toContain('00:10')
    expect(lastBlock).toContain('clients 2000')
    expect(lastBlock).toContain('sent/s 410')
    expect(lastBlock).toMatch(/sync_latency\s+p50\s+3.10ms\s+p99\s+20.0ms/)
    expect(lastBlock).toContain('errors 3')
    expect(out).toContain('SATURATED')
    expect(out).toContain('· draining: waiting up to 10s for 12 messages\n')
    expect(out).not.toContain('00:99')
  })

  it('keeps heartbeat_rtt before sync_latency and truncates to the terminal width', () => {
    const engine = new EventEmitter<RunEvents>()
    const {writes, stream} = fakeStream(true)
    stream.columns = 30
    attachProgress(engine, {stream})
    engine.emit('tick', tick(1))
    const lines = writes.join('').replace(/\u001b\[[0-9;]*[A-Za-z]/g, '').replace(/\r/g, '').split('\n').filter(Boolean)
    expect(lines.every((l) => l.length < 30)).toBe(true)
    expect(lines.findIndex((l) => l.includes('heartbeat_rtt'))).toBeLessThan(lines.findIndex((l) => l.includes('sync_latency')))
  })

  it('prints one plain line per interval without a TTY, and a last one at done', () => {
    const out = run(false, {plainIntervalS: 5}, 12)
    const lines = out.trimEnd().split('\n')
    expect(out).not.toContain('\u001b[')
    expect(lines).toHaveLength(4)
    expect(lines[0]).toBe('· draining: waiting up to 10s for 12 messages')
    // Seconds 1..5: sent 401..405 average 403; the errors of second 2 are in the total.
    expect(lines[1]).toBe('[00:05] clients=2000 sent/s=403 delivered/s=401 errors=3 heartbeat_rtt p50=1.20ms p99=8.40ms sync_latency p50=3.10ms p99=15.0ms')
    expect(lines[2]).toMatch(/^\[00:10\] .* saturated$/)
    expect(lines[3]).toMatch(/^\[00:12\] clients=2000 sent/)
    expect(lines[3]).not.toContain('saturated')
  })

  it('shows elapsed / total with a bar on a TTY, elapsed/total on plain lines', () => {
    const start = {meta: meta('constant-vus'), scheduleMs: 20_000}
    const tty = run(true, {}, 10, start)
    const last = tty.slice(tty.lastIndexOf('\u001b[0J'))
    expect(last).toContain('[##########----------] 00:10 / 00:20  clients 2000')
    expect(run(false, {plainIntervalS: 5}, 10, start)).toContain('[00:05/00:20] clients=2000')
  })

  it('shows uncorrected metrics only for runs that correct for coordinated omission', () => {
    const withTwin = (executor: ExecutorKind) => {
      const engine = new EventEmitter<RunEvents>()
      const {writes, stream} = fakeStream(true)
      attachProgress(engine, {stream})
      engine.emit('start', {meta: meta(executor), scheduleMs: 10_000})
      engine.emit('tick', tick(1, {metrics: {sync_latency: {count: 1, p50: 1, p99: 1}, sync_latency_uncorrected: {count: 1, p50: 1, p99: 1}}}))
      return writes.join('')
    }
    expect(withTwin('constant-vus')).not.toContain('sync_latency_uncorrected')
    expect(withTwin('constant-arrival-rate')).toContain('sync_latency_uncorrected')
  })

  it('prints nothing when quiet', () => {
    expect(run(true, {quiet: true})).toBe('')
    expect(run(false, {quiet: true})).toBe('')
  })
})
