import {type IntervalHistogram, monitorEventLoopDelay} from 'node:perf_hooks'

/**
 * The event-loop lag of this process. When it is high, timers fire late and every latency the
 * process measures includes the wait: the figures are then the harness's, not the server's.
 */
export class LagMonitor {
  private readonly histogram: IntervalHistogram
  private worst = 0

  constructor(resolutionMs = 10) {
    this.histogram = monitorEventLoopDelay({resolution: resolutionMs})
    this.histogram.enable()
  }

  /** p99 lag in ms since the previous call, then starts a new interval. */
  takeP99Ms(): number {
    const p99 = this.histogram.count > 0 ? this.histogram.percentile(99) / 1e6 : 0
    this.histogram.reset()
    this.worst = Math.max(this.worst, p99)
    return p99
  }

  get worstP99Ms(): number {
    return this.worst
  }

  stop(): void {
    this.histogram.disable()
  }
}
