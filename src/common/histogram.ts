import {createRequire} from 'node:module'
import type {JsHistogram} from 'hdr-histogram-js/dist/JsHistogram.js'

// Only the JS histogram and its V2 encoding, not the package's index: that also loads the
// WebAssembly build and the log writer, whose module-level Intl.NumberFormat alone costs ~50 ms of
// every load worker's start-up. The package has no exports map; these are its CommonJS files,
// required (an ESM default import of a CommonJS class differs between Node and vitest).
const require = createRequire(import.meta.url)
const {default: Int32Histogram} = require('hdr-histogram-js/dist/Int32Histogram.js') as typeof import('hdr-histogram-js/dist/Int32Histogram.js')
const {decompress, doDecode} = require('hdr-histogram-js/dist/JsHistogram.encoding.js') as typeof import('hdr-histogram-js/dist/JsHistogram.encoding.js')

/** Percentiles and extremes of one histogram, in the unit it was recorded in. */
export interface MetricSummary {
  count: number
  min: number
  avg: number
  p50: number
  p90: number
  p99: number
  p999: number
  max: number
}

const LOWEST_US = 1
/** One hour: anything slower is clamped, since a sample that late is a failure anyway. */
const HIGHEST_US = 3_600_000_000
const SIGNIFICANT_DIGITS = 3

function buildHdr(): JsHistogram {
  // 32-bit counts, fixed range (never auto-resized), so that every histogram has one layout and
  // adds take the same-layout path.
  return new Int32Histogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS)
}

function toMs(us: number): number {
  return us / 1000
}

/**
 * Latencies in milliseconds, kept as integer microseconds in an HDR histogram (1 µs to 1 h,
 * 3 significant digits, so every reported value is within 0.1% of a recorded one).
 *
 * Histograms merge exactly: encode on one side, {@link LatencyHistogram.decode} and
 * {@link LatencyHistogram.add} on the other, and every percentile equals what one histogram that
 * saw all samples would report. min and max are reported at the same bucket resolution as the
 * percentiles (lowest / highest equivalent value) so that they too survive a merge unchanged.
 */
export class LatencyHistogram {
  private readonly h: JsHistogram

  /** An empty histogram (`h` is for {@link LatencyHistogram.decode}, which hands over one it decoded). */
  constructor(h?: JsHistogram) {
    this.h = h ?? buildHdr()
  }

  /** Records one sample. Sub-microsecond samples count as 1 µs, samples over an hour as an hour; NaN is ignored. */
  record(ms: number): void {
    if (Number.isNaN(ms)) return
    const us = Math.min(HIGHEST_US, Math.max(LOWEST_US, Math.round(ms * 1000)))
    this.h.recordValue(us)
  }

  get count(): number {
    return this.h.totalCount
  }

  get isEmpty(): boolean {
    return this.h.totalCount === 0
  }

  /** Adds every sample of `other` into this histogram (exact; `other` is unchanged). */
  add(other: LatencyHistogram): void {
    if (other.isEmpty) return
    this.h.add(other.h)
  }

  /** hdr-histogram-js compressed base64 (V2). Empty histograms encode and decode fine too. */
  encode(): string {
    return this.h.encodeIntoCompressedBase64()
  }

  /** Reads what {@link LatencyHistogram.encode} wrote; throws on anything else. */
  static decode(encoded: string): LatencyHistogram {
    let decoded: JsHistogram
    try {
      decoded = doDecode(decompress(Buffer.from(encoded.trim(), 'base64')), 32)
    } catch (err) {
      throw new Error(`not an encoded latency histogram: ${(err as Error).message}`, {cause: err})
    }
    // Ours, as encode wrote it: adopted as it is (each counts array is ~120 KB, and the coordinator
    // decodes every worker's every second). Anything else is re-homed in our layout so that later
    // adds always take the fast same-layout path.
    if (decoded.lowestDiscernibleValue === LOWEST_US && decoded.highestTrackableValue === HIGHEST_US && decoded.numberOfSignificantValueDigits === SIGNIFICANT_DIGITS) return new LatencyHistogram(decoded)
    const result = new LatencyHistogram()
    if (decoded.totalCount > 0) result.h.add(decoded)
    return result
  }

  reset(): void {
    this.h.reset()
  }

  /** The value at percentile `q` (0–100, k6 style: 99.9 is p(99.9)) in ms; 0 when empty. */
  percentile(q: number): number {
    if (this.isEmpty) return 0
    return toMs(this.h.getValueAtPercentile(q))
  }

  /** Smallest sample in ms (bucket resolution); 0 when empty. */
  get min(): number {
    return this.percentile(0)
  }

  /** Largest sample in ms (bucket resolution); 0 when empty. */
  get max(): number {
    return this.percentile(100)
  }

  /** Mean in ms, rounded to the microsecond; 0 when empty. */
  get mean(): number {
    if (this.isEmpty) return 0
    return toMs(Math.round(this.h.mean))
  }

  /** Standard deviation in ms; 0 when empty. */
  get stdDeviation(): number {
    if (this.isEmpty) return 0
    return toMs(this.h.stdDeviation)
  }

  /** The value of the `rank`-th smallest sample (1 ≤ rank ≤ count) in ms, at bucket resolution; 0 when empty. */
  valueAtRank(rank: number): number {
    if (this.isEmpty) return 0
    const r = Math.min(this.count, Math.max(1, Math.round(rank)))
    // getValueAtPercentile(p) reads the sample of rank max(1, floor(p/100 × count + 0.5)).
    return toMs(this.h.getValueAtPercentile((100 * r) / this.count))
  }

  /** All zeros when empty. */
  summary(): MetricSummary {
    return {
      count: this.count,
      min: this.min,
      avg: this.mean,
      p50: this.percentile(50),
      p90: this.percentile(90),
      p99: this.percentile(99),
      p999: this.percentile(99.9),
      max: this.max,
    }
  }
}
