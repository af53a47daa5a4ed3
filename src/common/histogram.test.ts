import {describe, expect, it} from 'vitest'
import {seededRandom} from './random.js'
import {LatencyHistogram} from './histogram.js'

const prng = seededRandom

/** Latency-like samples: mostly 1–20 ms, a long tail up to ~2 s. */
function samples(n: number, seed: number): number[] {
  const rnd = prng(seed)
  return Array.from({length: n}, () => (rnd() < 0.97 ? 1 + rnd() * 19 : 20 + rnd() ** 3 * 2000))
}

function viaWire(h: LatencyHistogram): LatencyHistogram {
  return LatencyHistogram.decode(h.encode())
}

describe('LatencyHistogram', () => {
  it('merges encoded shards exactly: the summary equals one histogram that saw every sample', () => {
    const all = samples(5000, 42)
    const whole = new LatencyHistogram()
    const shards = [0, 1, 2, 3].map(() => new LatencyHistogram())
    all.forEach((ms, i) => {
      whole.record(ms)
      shards[i % 4]!.record(ms)
    })
    const merged = new LatencyHistogram()
    for (const shard of shards) merged.add(viaWire(shard))

    expect(merged.count).toBe(5000)
    expect(merged.summary()).toEqual(whole.summary())
    const q = [0, 50, 90, 99, 99.9, 100]
    expect(q.map((p) => merged.percentile(p))).toEqual(q.map((p) => whole.percentile(p)))
  })

  it('shows why shard p99s are never averaged: a skewed split gives a wrong tail', () => {
    // One shard saw the slow requests, three saw fast ones: a hot node, say.
    const rnd = prng(7)
    const whole = new LatencyHistogram()
    const shards = [0, 1, 2, 3].map(() => new LatencyHistogram())
    for (let s = 0; s < 4; s++) {
      for (let i = 0; i < 1000; i++) {
        const ms = s === 0 ? 100 + rnd() * 100 : 1 + rnd() * 9
        whole.record(ms)
        shards[s]!.record(ms)
      }
    }
    const merged = new LatencyHistogram()
    for (const shard of shards) merged.add(viaWire(shard))
    const averaged = shards.reduce((sum, h) => sum + h.percentile(99), 0) / shards.length

    expect(merged.percentile(99)).toBe(whole.percentile(99))
    expect(merged.percentile(99)).toBeGreaterThan(190)
    // The average pretends p99 is around 55 ms while a quarter of all requests took over 100 ms.
    expect(averaged).toBeLessThan(60)
    expect(Math.abs(averaged - merged.percentile(99))).toBeGreaterThan(100)
  })

  it('round-trips through encode/decode', () => {
    const h = new LatencyHistogram()
    for (const ms of [0.5, 1, 1.234, 12.5, 250, 3000]) h.record(ms)
    const back = viaWire(h)
    expect(back.summary()).toEqual(h.summary())
    expect(typeof h.encode()).toBe('string')
  })

  it('stores microseconds: sub-µs values count as 1 µs, and values are within 0.1%', () => {
    const h = new LatencyHistogram()
    h.record(0)
    h.record(-5)
    expect(h.min).toBe(0.001)
    h.reset()
    h.record(12.345)
    expect(h.percentile(50)).toBeCloseTo(12.345, 1)
    expect(Math.abs(h.max - 12.345) / 12.345).toBeLessThan(0.001)
  })

  it('clamps samples over an hour and ignores NaN', () => {
    const h = new LatencyHistogram()
    h.record(10 * 3_600_000)
    h.record(Number.NaN)
    expect(h.count).toBe(1)
    expect(h.max).toBeGreaterThanOrEqual(3_600_000)
    expect(h.max).toBeLessThan(3_600_000 * 1.001)
  })

  it('reports all zeros when empty, and an empty histogram survives the wire', () => {
    const h = new LatencyHistogram()
    const zeros = {count: 0, min: 0, avg: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0}
    expect(h.isEmpty).toBe(true)
    expect(h.summary()).toEqual(zeros)
    const back = viaWire(h)
    expect(back.isEmpty).toBe(true)
    expect(back.summary()).toEqual(zeros)

    const full = new LatencyHistogram()
    full.record(5)
    full.add(back)
    expect(full.summary()).toEqual(viaWire(full).summary())
    expect(full.count).toBe(1)
  })

  it('reset empties it', () => {
    const h = new LatencyHistogram()
    h.record(3)
    h.reset()
    expect(h.isEmpty).toBe(true)
    expect(h.max).toBe(0)
  })

  it('rejects strings that are not encoded histograms', () => {
    expect(() => LatencyHistogram.decode('not base64 at all')).toThrow(/not an encoded latency histogram/)
  })

  it('computes the mean over all samples, at bucket resolution', () => {
    const h = new LatencyHistogram()
    for (const ms of [1, 2, 3, 4]) h.record(ms)
    // HDR averages bucket midpoints: 2000–4000 µs sit in 2 µs wide buckets.
    expect(Math.abs(h.mean - 2.5) / 2.5).toBeLessThan(0.001)
    expect(h.summary().avg).toBe(h.mean)
  })
})
