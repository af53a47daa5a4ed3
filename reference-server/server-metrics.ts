import {createServer, type Server} from 'node:http'
import {Counter, Gauge, Registry, collectDefaultMetrics} from 'prom-client'
import {metricsEndpoint} from '../src/common/metrics-endpoint.js'
import {closeServer, listen} from './http/listen.js'
import {listening} from './listen-failure.js'

/**
 * `imh serve --metrics`: the reference server's own figures for Prometheus (prom-client), on a
 * listener of their own so that no group of the protocol answers a path it does not declare:
 * the process (CPU, memory, heap, event-loop lag, GC: prom-client's default metrics, prefixed
 * `imh_server_`), the long links held (`imh_server_long_connections`) and every HTTP group's
 * answers by group and status (`imh_server_http_requests_total`). A load run's own figures come
 * from `imh load --prometheus`; side by side, Grafana shows the server and the harness together.
 */
export class ServerMetrics {
  private readonly registry = new Registry()
  private readonly answers: Counter<'group' | 'status'>
  private server: Server | undefined

  constructor(connections: () => number) {
    const registers = [this.registry]
    collectDefaultMetrics({register: this.registry, prefix: 'imh_server_'})
    new Gauge({name: 'imh_server_long_connections', help: 'authenticated long links held', registers, collect() {
      this.set(connections())
    }})
    this.answers = new Counter({name: 'imh_server_http_requests_total', help: 'HTTP answers by group and status', labelNames: ['group', 'status'], registers})
  }

  /** Counts every answer `server` (an HTTP group) sends, under `group`. */
  watch(group: string, server: Server): void {
    server.on('request', (_req, res) => res.once('finish', () => this.answers.inc({group, status: String(res.statusCode)})))
  }

  /** The exposition text of GET /metrics. */
  metrics(): Promise<string> {
    return this.registry.metrics()
  }

  /** Serves GET /metrics; resolves with its port. IMH_ERR_LISTEN_FAILED (naming the metrics endpoint) when it cannot listen. */
  async listen(host: string, port: number): Promise<number> {
    const server = (this.server = createServer(metricsEndpoint(() => this.metrics(), this.registry.contentType)))
    return listening('the metrics endpoint', host, port, () => listen(server, host, port))
  }

  async close(): Promise<void> {
    if (this.server) await closeServer(this.server)
  }
}
