import {request} from 'undici'
import {ImhError} from '../../protocol/index.js'
import type {VirtualUser} from '../executors/virtual-user.js'
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
    const timeout = o.requestTimeoutMs
    const ok = (status: number): boolean => (o.expectStatus ? o.expectStatus.includes(status) : status >= 200 && status < 400)
    const {recorder, clock} = ctx

    return {
      async create(index) {
        const dispatcher = ctx.addresses.dispatcherFor(index, url)
        ctx.gauges.connected++ // a VU is a client slot: the summary's "clients" (no connection of its own to count)
        const once = async (intendedMs: number): Promise<void> => {
          const sentMs = clock.now()
          recorder.add('http_reqs')
          try {
            const res = await request(url, {method: o.method, headers: o.headers, body: o.body, dispatcher, headersTimeout: timeout, bodyTimeout: timeout})
            const body = Buffer.from(await res.body.arrayBuffer())
            const at = clock.now()
            recorder.add('data_received', body.length)
            if (!ok(res.statusCode)) throw new ImhError('IMH_ERR_UNEXPECTED_STATUS', `${url} answered ${res.statusCode}`)
            recorder.trend('http_req_duration', at - intendedMs)
            recorder.trend('http_req_duration_uncorrected', at - sentMs)
            recorder.add('iterations')
          } catch (err) {
            recorder.error(errorCode(err))
          }
        }
        const vu: VirtualUser = {
          async loop(signal) {
            while (!signal.aborted) await once(clock.now())
          },
          iterate: once,
          close: async () => void ctx.gauges.connected--,
        }
        return vu
      },
    }
  },
})
