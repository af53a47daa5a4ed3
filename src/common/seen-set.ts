/**
 * A set of non-negative integers (message numbers, datagram seqs) kept as sorted disjoint runs
 * `[start, end)`, so what is contiguous collapses into one run: memory grows with the number of
 * holes (numbers never seen between seen ones), not with the count of numbers seen. A stream
 * arriving in order, or reordered within any window, costs one run once the window fills; only
 * real gaps (losses) stay. Exact: a late number fills its hole wherever it falls.
 *
 * Runs live in one flat number array `[s0, e0, s1, e1, …]` to keep the footprint small.
 */
export class SeenSet {
  private runs: number[] = []
  private count = 0

  /** Numbers in the set. */
  get size(): number {
    return this.count
  }

  /** Highest number in the set; undefined while empty. */
  get max(): number | undefined {
    return this.runs.length === 0 ? undefined : this.runs[this.runs.length - 1]! - 1
  }

  /** Lowest number in the set; undefined while empty. */
  get min(): number | undefined {
    return this.runs.length === 0 ? undefined : this.runs[0]
  }

  /** Runs held: what the memory grows with (1 for a contiguous set). */
  get runCount(): number {
    return this.runs.length / 2
  }

  /** Whether n was added. */
  has(n: number): boolean {
    const i = this.runAt(n)
    return i >= 0 && n < this.runs[i + 1]!
  }

  /** Adds n (a non-negative integer); false when it was already in the set. */
  add(n: number): boolean {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`SeenSet: expected a non-negative integer, got ${n}`)
    return this.addRun(n, n + 1) === 1
  }

  /** Adds every number of `[start, end)`; returns how many were new. */
  addRun(start: number, end: number): number {
    if (end <= start) return 0
    const r = this.runs
    const last = r.length - 2
    // The common case first: appending at (or extending) the last run. The first run is an array
    // of its own two numbers: a push onto an empty array would reserve 17 slots, and most sets (a
    // conversation without losses) never hold more than one run.
    if (last < 0) {
      this.runs = [start, end]
      this.count += end - start
      return end - start
    }
    if (start > r[last + 1]!) {
      r.push(start, end)
      this.count += end - start
      return end - start
    }
    if (start >= r[last]! && start <= r[last + 1]!) {
      const added = Math.max(0, end - r[last + 1]!)
      r[last + 1] = Math.max(r[last + 1]!, end)
      this.count += added
      return added
    }
    // General case: merge with every run that overlaps or touches [start, end).
    let lo = this.runAt(start)
    if (lo < 0 || r[lo + 1]! < start) lo += 2 // first run that may touch
    if (lo < 0) lo = 0
    let hi = lo
    let covered = 0
    let s = start
    let e = end
    while (hi < r.length && r[hi]! <= end) {
      covered += Math.max(0, Math.min(r[hi + 1]!, end) - Math.max(r[hi]!, start))
      s = Math.min(s, r[hi]!)
      e = Math.max(e, r[hi + 1]!)
      hi += 2
    }
    r.splice(lo, hi - lo, s, e)
    const added = end - start - covered
    this.count += added
    return added
  }

  /** How many numbers of this set are not in `other` (acknowledged − delivered). */
  countNotIn(other: SeenSet): number {
    let missing = 0
    const a = this.runs
    const b = other.runs
    let j = 0
    for (let i = 0; i < a.length; i += 2) {
      const s = a[i]!
      const e = a[i + 1]!
      let inside = 0
      while (j < b.length && b[j + 1]! <= s) j += 2
      for (let k = j; k < b.length && b[k]! < e; k += 2) inside += Math.min(e, b[k + 1]!) - Math.max(s, b[k]!)
      missing += e - s - inside
    }
    return missing
  }

  /** The runs as a flat `[s0, e0, s1, e1, …]` copy (what a worker sends the coordinator). */
  toRuns(): number[] {
    return [...this.runs]
  }

  /** Adds the runs of a {@link toRuns} array. */
  addRuns(runs: readonly number[]): void {
    for (let i = 0; i + 1 < runs.length; i += 2) this.addRun(runs[i]!, runs[i + 1]!)
  }

  /** A set holding the runs of a {@link toRuns} array. */
  static fromRuns(runs: readonly number[]): SeenSet {
    const set = new SeenSet()
    set.addRuns(runs)
    return set
  }

  /** Index (even) of the last run starting at or below n; -2 when none. */
  private runAt(n: number): number {
    const r = this.runs
    let lo = 0
    let hi = r.length / 2 - 1
    let found = -1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if (r[mid * 2]! <= n) {
        found = mid
        lo = mid + 1
      } else hi = mid - 1
    }
    return found * 2
  }
}
