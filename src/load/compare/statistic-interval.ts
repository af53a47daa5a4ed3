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

/** z of a one-sided test at 1%: what "beyond chance" means for {@link mannWhitneyGreater}. */
export const Z_ONE_SIDED_99 = 2.3263

/**
 * Mann–Whitney U: whether the values of `b` tend to be larger than those of `a`, as a z score
 * (normal approximation with the tie correction and a continuity correction; fine from about 5
 * values a side). Rank-based: no assumption about the distribution, and one extreme value counts
 * as one value.
 */
export function mannWhitneyGreater(a: readonly number[], b: readonly number[]): number {
  const n1 = a.length
  const n2 = b.length
  if (n1 === 0 || n2 === 0) return 0
  const all = [...a.map((v) => ({v, b: false})), ...b.map((v) => ({v, b: true}))].sort((x, y) => x.v - y.v)
  const n = all.length
  let rankSumB = 0
  let ties = 0
  for (let i = 0; i < n; ) {
    let j = i
    while (j + 1 < n && all[j + 1]!.v === all[i]!.v) j++
    const t = j - i + 1
    const rank = (i + j) / 2 + 1
    for (let k = i; k <= j; k++) if (all[k]!.b) rankSumB += rank
    ties += t ** 3 - t
    i = j + 1
  }
  const u = rankSumB - (n2 * (n2 + 1)) / 2
  const mean = (n1 * n2) / 2
  const sd = Math.sqrt(((n1 * n2) / 12) * (n + 1 - ties / (n * (n - 1))))
  return sd === 0 ? 0 : (u - mean - 0.5) / sd
}
