import type {LatencyHistogram} from '../../common/histogram.js'

/** z of a two-sided 99% interval: a regression is called only when chance alone would explain it less than 1% of the time. */
export const Z_99 = 2.5758

/** A statistic of one run with the interval its true value lies in at the chosen confidence, all in ms. */
export interface Interval {
  value: number
  low: number
  high: number
}

/**
 * Percentile `q` (0 < q < 100) of the samples in `h`, with a distribution-free confidence
 * interval read from the same histogram: among n samples, the rank of the sample at the true
 * q-quantile is Binomial(n, q/100), so the ranks n·p ± z·√(n·p·(1−p)) bracket it (the normal
 * approximation of that binomial, fine for the thousands of samples a run records). No
 * assumption about the latency distribution, and nothing but the HDR counts is needed, so it
 * works on the histograms results.json carries. It treats samples as independent; latencies of
 * one run are not quite (a slow second slows many), so the interval is a floor on the noise, and
 * an allowance (`+10%`) covers the rest.
 */
export function percentileInterval(h: LatencyHistogram, q: number, z = Z_99): Interval {
  const n = h.count
  const p = q / 100
  const half = z * Math.sqrt(n * p * (1 - p))
  return {value: h.percentile(q), low: h.valueAtRank(Math.floor(n * p - half)), high: h.valueAtRank(Math.ceil(n * p + half) + 1)}
}

/** The mean of `h` with its normal confidence interval (standard error σ/√n). */
export function meanInterval(h: LatencyHistogram, z = Z_99): Interval {
  const se = h.count > 0 ? h.stdDeviation / Math.sqrt(h.count) : 0
  return {value: h.mean, low: h.mean - z * se, high: h.mean + z * se}
}
