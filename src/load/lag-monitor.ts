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

  /**
   * The longest stall in ms since the previous call, then starts a new interval. The maximum, not
   * a percentile: one 400 ms stall is 1 sample in 100 at this resolution and hides below p99, yet
   * every latency measured across it is 400 ms too long.
   */
  takeMaxMs(): number {
    const max = this.histogram.count > 0 ? this.histogram.max / 1e6 : 0
    this.histogram.reset()
    this.worst = Math.max(this.worst, max)
    return max
  }

  get worstMs(): number {
    return this.worst
  }

  stop(): void {
    this.histogram.disable()
  }
}
