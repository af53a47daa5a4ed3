import {ImhError} from '../../protocol/index.js'
import type {Clock} from '../clock.js'
import type {VirtualUser} from '../executors/virtual-user.js'
import type {Recorder} from '../metrics/registry.js'
import {counter, trend} from '../metrics/metric-definition.js'
import {type Check, MapReader, integer, invalid, join, oneOf, show, string, urlOf} from '../profile/fields.js'
import {errorCode} from './context.js'
import {HttpConnection, type HttpRequestSpec} from './http-connection.js'
import {defineScenario, option} from './scenario-module.js'

const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH'] as const
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

const headers: Check<Record<string, string>> = Object.assign(
  (value: unknown, field: string, file: string): Record<string, string> => {
    const h = new MapReader(file, field, value, 'a map of header name: value')
    for (const [name, v] of Object.entries(h.map)) {
      if (!HEADER_NAME.test(name)) h.fail(name, `${JSON.stringify(name)} is not a valid HTTP header name`)
      if (typeof v !== 'string') h.fail(name, `expected a string, got ${show(v)}${typeof v === 'number' || typeof v === 'boolean' ? ` (quote it: '${v}')` : ''}`)
      // The request is encoded once, as written: a line break would end the header early.
      if (/[\r\n\0]/.test(v as string)) h.fail(name, 'a header value cannot contain a line break or NUL')
    }
    return {...h.map} as Record<string, string>
  },
  {what: 'a map of header name: value'},
)

const statusList: Check<number[]> = Object.assign(
  (value: unknown, field: string, file: string): number[] => {
    if (!Array.isArray(value) || value.length === 0) throw invalid(file, field, `expected a non-empty list of HTTP statuses like [200, 204], got ${show(value)}`)
    return value.map((v, i) => integer(100, 599)(v, join(field, i), file))
  },
  {what: 'a list of HTTP statuses like [200, 204]'},
)

/** Any HTTP/1.1 endpoint: one request per iteration, timed from its intended start. */
export const http = defineScenario({
  kind: 'http',
  summary: 'plain HTTP requests, no IM protocol; `http_req_duration` times each.',
  details: 'Works against any HTTP/1.1 endpoint (http or https). Each VU keeps one keep-alive connection (a new one when the server closes it) and sends its next request as soon as the previous one answered; under arrival-rate executors each iteration is one request, timed from its intended start. A status outside `expectStatus` counts as error `IMH_ERR_UNEXPECTED_STATUS`.',
  needsScheduler: false,
  options: {
    url: option({field: 'url', check: urlOf(['http:', 'https:']), defaultDoc: 'the target', doc: 'the URL requested'}),
    method: option({field: 'method', check: oneOf(HTTP_METHODS), default: 'GET', doc: 'the request method'}),
    headers: option({field: 'headers', check: headers, defaultDoc: 'none', doc: "request headers; quote values YAML would read as numbers: `x-count: '5'`"}),
    body: option({field: 'body', check: string, defaultDoc: 'none', doc: 'the request body'}),
    expectStatus: option({field: 'expectStatus', check: statusList, defaultDoc: '200–399', doc: 'statuses that count as success'}),
  },
  metrics: [
    trend('http_req_duration', 'intended request time → response body fully received (http scenario; coordinated-omission corrected in open models)'),
    trend('http_req_duration_uncorrected', 'actual request time → response body fully received (http scenario; not corrected for coordinated omission)'),
    counter('http_reqs', 'HTTP requests completed (http scenario)'),
  ],
  rate: {doc: 'a VU sends its next request as soon as the previous one answered, so there is no rate to set; use an arrival-rate executor'},
  create(ctx) {
    const o = ctx.options
    const url = o.url ?? ctx.urls.http
    if (!url) throw new ImhError('IMH_ERR_INVALID_OPTION', `scenario ${ctx.name}: http needs a url (profile field url or --target http://…)`)
    const target = new URL(url)
    const timeout = o.requestTimeoutMs
    const ok = o.expectStatus ? (status: number): boolean => o.expectStatus!.includes(status) : (status: number): boolean => status >= 200 && status < 400
    const body = o.body === undefined ? null : Buffer.from(o.body)

    return {
      async create(index) {
        const spec: HttpRequestSpec = {url: target, method: o.method, headers: o.headers, body, timeoutMs: timeout, localAddress: ctx.addresses.addressFor(index, url), tls: ctx.tls ?? {}}
        const exchange = new Exchange(spec, ctx.recorder, ctx.clock, ok)
        ctx.gauges.connected++ // a VU is a client slot: the summary's "clients"
        const vu: VirtualUser = {
          loop: (signal) => exchange.loop(signal),
          iterate: (intendedMs) => exchange.once(intendedMs),
          close: async (graceMs) => {
            ctx.gauges.connected--
            await exchange.close(graceMs)
          },
        }
        return vu
      },
    }
  },
})

type HttpRecorder = Recorder<'http_req_duration' | 'http_req_duration_uncorrected', 'http_reqs' | 'data_received' | 'iterations'>

/**
 * One VU's requests, one at a time on its own keep-alive connection: the body is counted and
 * dropped as it arrives, nothing is allocated per request but the promise the executor awaits
 * (none at all in the closed loop, which sends the next request from the completion callback).
 */
class Exchange {
  readonly #conn: HttpConnection
  #intendedMs = 0
  #sentMs = 0
  #done: (() => void) | undefined
  #signal: AbortSignal | undefined

  constructor(
    spec: HttpRequestSpec,
    private readonly recorder: HttpRecorder,
    private readonly clock: Clock,
    private readonly ok: (status: number) => boolean,
  ) {
    this.#conn = new HttpConnection(spec, (err, status, bytes) => (err ? this.#failed(err) : this.#answered(status, bytes)))
  }

  /** Open models: one request, timed from its intended start. */
  once(intendedMs: number): Promise<void> {
    return new Promise((resolve) => {
      this.#done = resolve
      this.#send(intendedMs)
    })
  }

  /** Closed models: the next request as soon as the previous one answered, until the signal. */
  loop(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve()
      this.#signal = signal
      this.#done = resolve
      this.#send(this.clock.now())
    })
  }

  /** Lets a request in flight finish for at most graceMs, then drops the connection. */
  async close(graceMs: number): Promise<void> {
    if (this.#conn.busy) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs)
        const done = this.#done
        this.#done = () => {
          clearTimeout(timer)
          done?.()
          resolve()
        }
      })
    }
    this.#conn.destroy()
  }

  #send(intendedMs: number): void {
    this.#intendedMs = intendedMs
    this.#sentMs = this.clock.now()
    this.recorder.add('http_reqs')
    this.#conn.send()
  }

  #finished(): void {
    if (this.#signal !== undefined && !this.#signal.aborted) {
      this.#send(this.clock.now())
      return
    }
    const done = this.#done
    this.#done = undefined
    this.#signal = undefined
    done?.()
  }

  #answered(status: number, bytes: number): void {
    const at = this.clock.now()
    const r = this.recorder
    r.add('data_received', bytes)
    if (this.ok(status)) {
      r.trend('http_req_duration', at - this.#intendedMs)
      r.trend('http_req_duration_uncorrected', at - this.#sentMs)
      r.add('iterations')
    } else r.error('IMH_ERR_UNEXPECTED_STATUS')
    this.#finished()
  }

  #failed(err: Error): void {
    this.recorder.error(errorCode(err))
    // The closed loop goes on after a failure, as it did with one awaited request per iteration,
    // but not in the same tick: a refused connection must not spin.
    if (this.#signal !== undefined && !this.#signal.aborted) setImmediate(() => this.#finished())
    else this.#finished()
  }
}
