import {Client, type Dispatcher} from 'undici'
import {ImhError} from '../../protocol/index.js'
import type {Clock} from '../clock.js'
import type {VirtualUser} from '../executors/virtual-user.js'
import type {Recorder} from '../metrics/registry.js'
import {counter, trend} from '../metrics/metric-definition.js'
import {type Check, MapReader, integer, invalid, join, oneOf, show, string, urlOf} from '../profile/fields.js'
import {errorCode} from './context.js'
import {defineScenario, option} from './scenario-module.js'

const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH'] as const
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

const headers: Check<Record<string, string>> = Object.assign(
  (value: unknown, field: string, file: string): Record<string, string> => {
    const h = new MapReader(file, field, value, 'a map of header name: value')
    for (const [name, v] of Object.entries(h.map)) {
      if (!HEADER_NAME.test(name)) h.fail(name, `${JSON.stringify(name)} is not a valid HTTP header name`)
      if (typeof v !== 'string') h.fail(name, `expected a string, got ${show(v)}${typeof v === 'number' || typeof v === 'boolean' ? ` (quote it: '${v}')` : ''}`)
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

/** Any HTTP endpoint through undici: one request per iteration, timed from its intended start. */
export const http = defineScenario({
  kind: 'http',
  summary: 'plain HTTP requests, no IM protocol; `http_req_duration` times each.',
  details: 'Works against any HTTP endpoint (undici). A VU sends its next request as soon as the previous one answered; under arrival-rate executors each iteration is one request, timed from its intended start. A status outside `expectStatus` counts as error `IMH_ERR_UNEXPECTED_STATUS`.',
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
    // Built once: undici reads but does not keep or change them, so every request shares them.
    const body = o.body === undefined ? null : Buffer.from(o.body)
    const headers = o.headers ? Object.entries(o.headers).flat() : null
    const spec = {origin: target.origin, path: `${target.pathname}${target.search}`, method: o.method, headers, body, headersTimeout: timeout, bodyTimeout: timeout}

    return {
      async create(index) {
        // One connection per VU, its own: a VU has one request in flight, so a shared pool would
        // only add a lookup per request and open spare sockets while one awaits reuse.
        const address = ctx.addresses.addressFor(index, url)
        const client = new Client(target.origin, {connect: {timeout: timeout, ...(address ? {localAddress: address} : {})}, keepAliveTimeout: 30_000, pipelining: 1})
        const exchange = new Exchange(client, spec, ctx.recorder, ctx.clock, ok)
        ctx.gauges.connected++ // a VU is a client slot: the summary's "clients"
        const vu: VirtualUser = {
          loop: (signal) => exchange.loop(signal),
          iterate: (intendedMs) => exchange.once(intendedMs),
          close: async (graceMs) => {
            ctx.gauges.connected--
            await closeWithin(client, graceMs)
          },
        }
        return vu
      },
    }
  },
})

type HttpRecorder = Recorder<'http_req_duration' | 'http_req_duration_uncorrected', 'http_reqs' | 'data_received' | 'iterations'>

/**
 * One VU's requests, one at a time, through undici's dispatch with this object as the handler:
 * the body is counted and dropped as it arrives, nothing is allocated per request but the
 * promise the executor awaits (none at all in the closed loop, which sends the next request from
 * the completion callback).
 */
class Exchange implements Dispatcher.DispatchHandler {
  #intendedMs = 0
  #sentMs = 0
  #status = 0
  #bytes = 0
  #done: (() => void) | undefined
  #signal: AbortSignal | undefined

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly spec: Dispatcher.DispatchOptions,
    private readonly recorder: HttpRecorder,
    private readonly clock: Clock,
    private readonly ok: (status: number) => boolean,
  ) {}

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

  #send(intendedMs: number): void {
    this.#intendedMs = intendedMs
    this.#sentMs = this.clock.now()
    this.#status = 0
    this.#bytes = 0
    this.recorder.add('http_reqs')
    this.dispatcher.dispatch(this.spec, this)
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

  onConnect(): void {}

  onHeaders(statusCode: number): boolean {
    this.#status = statusCode
    return true
  }

  onData(chunk: Buffer): boolean {
    this.#bytes += chunk.length
    return true
  }

  onComplete(): void {
    const at = this.clock.now()
    const r = this.recorder
    r.add('data_received', this.#bytes)
    if (this.ok(this.#status)) {
      r.trend('http_req_duration', at - this.#intendedMs)
      r.trend('http_req_duration_uncorrected', at - this.#sentMs)
      r.add('iterations')
    } else r.error('IMH_ERR_UNEXPECTED_STATUS')
    this.#finished()
  }

  onError(err: Error): void {
    this.recorder.error(errorCode(err))
    // The closed loop goes on after a failure, as it did with one awaited request per iteration,
    // but not in the same tick: a refused connection must not spin.
    if (this.#signal !== undefined && !this.#signal.aborted) setImmediate(() => this.#finished())
    else this.#finished()
  }
}

/** Lets a request in flight finish for at most graceMs, then drops the connection. */
async function closeWithin(client: Client, graceMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, graceMs)
  })
  await Promise.race([client.close().catch(() => undefined), late])
  clearTimeout(timer)
  await client.destroy().catch(() => undefined)
}
