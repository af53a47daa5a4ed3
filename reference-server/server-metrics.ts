import {createServer, type Server} from 'node:http'
import {Counter, Gauge, Histogram, Registry, collectDefaultMetrics} from 'prom-client'
import {cmdName} from '../src/protocol/index.js'
import {metricsEndpoint} from '../src/common/metrics-endpoint.js'
import {closeServer, listen} from './http/listen.js'
import {listening} from './listen-failure.js'
import type {LongStats} from './long/long-stats.js'
import type {RedisBackend} from './store/redis-backend.js'

/** What a node shows beyond the process and its HTTP answers; each part optional. */
export interface NodeParts {
  /** Its long links' frames, errors and notify-to-pull times. */
  long?: LongStats
  /** The Redis its group shares: its round-trip time is measured at each scrape. */
  redis?: RedisBackend
  /** The UDP relay's datagrams by outcome (talk's RelayStats). */
  relay?: () => Readonly<Record<string, number>> | undefined
}

/** A counter whose values are kept elsewhere (plain counts where they happen) and copied in at each scrape. */
function mirrored<L extends string>(registers: Registry[], name: string, help: string, label: L, read: () => Iterable<[string, number]>): void {
  new Counter({name, help, labelNames: [label], registers, collect() {
    this.reset()
    for (const [value, n] of read()) this.inc({[label]: value} as Record<L, string>, n)
  }})
}

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

  constructor(connections: () => number, parts: NodeParts = {}) {
    const registers = [this.registry]
    collectDefaultMetrics({register: this.registry, prefix: 'imh_server_'})
    new Gauge({name: 'imh_server_long_connections', help: 'authenticated long links held', registers, collect() {
      this.set(connections())
    }})
    const {long, redis, relay} = parts
    if (long) {
      const byName = (m: Map<number, number>) => [...m].map(([cmd, n]): [string, number] => [cmdName(cmd), n])
      mirrored(registers, 'imh_server_long_frames_in_total', 'long-link frames received, by cmd', 'cmd', () => byName(long.framesIn))
      mirrored(registers, 'imh_server_long_frames_out_total', 'long-link frames sent (replies and pushes), by cmd', 'cmd', () => byName(long.framesOut))
      mirrored(registers, 'imh_server_errors_total', 'error replies on the long link, by code', 'code', () => long.errors)
      const notifyToPull = new Histogram({name: 'imh_server_sync_notify_to_pull_seconds', help: 'SYNC_NOTIFY sent → the client\'s SYNC of that category received', registers, buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]})
      long.onNotifyToPull = (ms) => notifyToPull.observe(ms / 1000)
    }
    if (redis) {
      new Gauge({name: 'imh_server_redis_rtt_seconds', help: 'round trip of a PING to the group\'s Redis, at the scrape', registers, async collect() {
        const t0 = performance.now()
        await redis.client.ping()
        this.set((performance.now() - t0) / 1000)
      }})
    }
    if (relay) mirrored(registers, 'imh_server_relay_packets_total', 'UDP relay datagrams, by outcome (forwarded, echoed, dropped as unknownToken, hijack, noPeer, malformed, rateLimited)', 'outcome', () => Object.entries(relay() ?? {}))
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
