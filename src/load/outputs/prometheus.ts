import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {Counter, Gauge, Registry} from 'prom-client'
import type {LatencyHistogram} from '../../common/histogram.js'
import {metricsEndpoint} from '../../common/metrics-endpoint.js'
import {ImhError} from '../../protocol/errors.js'
import type {LoadRun} from '../load-run.js'
import type {TickSample} from '../types.js'

/** The quantiles every latency metric is exported at, computed from the run's merged HDR histograms. */
export const EXPORTED_QUANTILES = [0.5, 0.9, 0.99, 0.999] as const

/**
 * The run's live metrics in Prometheus' text format, through prom-client: what Grafana scrapes
 * while `imh load` runs. Values are read from the coordinator at each scrape (prom-client's
 * collect), so a scrape shows the merged totals as of the last second every worker reported:
 * - `imh_latency_ms{metric, quantile}`: p50/p90/p99/p99.9 since the start (a summary's quantiles,
 *   exact merges of the workers' HDR histograms, never averaged), `imh_latency_samples{metric}`
 * - `imh_counter_total{counter}` (sent, delivered, http_reqs, …) and `imh_errors_total{code}`
 * - `imh_clients`, `imh_event_loop_lag_ms` (worst worker) and `imh_saturated` for the last second.
 */
export class PrometheusExporter {
  private readonly registry = new Registry()
  private last: TickSample | undefined
  private server: Server | undefined

  constructor(run: LoadRun) {
    run.on('tick', (t) => (this.last = t))
    const r = [this.registry]
    const live = () => run.live
    new Gauge({name: 'imh_latency_ms', help: 'latency quantiles since the start of the run, ms (merged HDR histograms)', labelNames: ['metric', 'quantile'], registers: r, collect() {
      this.reset()
      for (const [metric, h] of live().latencies) {
        if (h.isEmpty) continue
        for (const q of EXPORTED_QUANTILES) this.set({metric, quantile: String(q)}, quantile(h, q))
      }
    }})
    new Gauge({name: 'imh_latency_samples', help: 'latency samples recorded since the start of the run', labelNames: ['metric'], registers: r, collect() {
      this.reset()
      for (const [metric, h] of live().latencies) this.set({metric}, h.count)
    }})
    new Counter({name: 'imh_counter_total', help: 'run counters since the start (sent, delivered, http_reqs, …)', labelNames: ['counter'], registers: r, collect() {
      this.reset()
      for (const [counter, n] of Object.entries(live().counters)) this.inc({counter}, n)
    }})
    new Counter({name: 'imh_errors_total', help: 'errors since the start, by code', labelNames: ['code'], registers: r, collect() {
      this.reset()
      for (const [code, n] of Object.entries(live().errors)) this.inc({code}, n)
    }})
    // prom-client calls collect with the metric as `this`.
    const self = this
    new Gauge({name: 'imh_clients', help: 'connected virtual clients in the last second', registers: r, collect() {
      this.set(self.last?.vus ?? 0)
    }})
    new Gauge({name: 'imh_event_loop_lag_ms', help: "longest event-loop stall of any worker in the last second, ms", registers: r, collect() {
      this.set(self.last?.maxEventLoopLagMs ?? 0)
    }})
    new Gauge({name: 'imh_saturated', help: '1 when a worker was saturated in the last second', registers: r, collect() {
      this.set(self.last?.saturated ? 1 : 0)
    }})
  }

  /** The exposition text (what GET /metrics answers). */
  metrics(): Promise<string> {
    return this.registry.metrics()
  }

  /** Serves GET /metrics on `host:port`; resolves with the bound address. IMH_ERR_LISTEN_FAILED when it cannot listen. */
  async listen(host: string | undefined, port: number): Promise<AddressInfo> {
    const server = (this.server = createServer(metricsEndpoint(() => this.metrics(), this.registry.contentType)))
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(new ImhError('IMH_ERR_LISTEN_FAILED', `--prometheus could not listen on ${host ?? '*'}:${port}: ${err.code ?? err.message}`, {host, port})))
      server.listen(port, host, resolve)
    })
    return server.address() as AddressInfo
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
  }
}

function quantile(h: LatencyHistogram, q: number): number {
  return h.percentile(q * 100)
}
