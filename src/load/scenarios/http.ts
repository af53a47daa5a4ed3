import {request} from 'undici'
import {ImhError} from '../../protocol/index.js'
import type {VirtualUser, VuFactory} from '../executors/virtual-user.js'
import {type ScenarioContext, errorCode} from './context.js'

/** Any HTTP endpoint through undici: one request per iteration, timed from its intended start. */
export function httpFactory(ctx: ScenarioContext): VuFactory {
  const o = ctx.spec.options
  const url = o.url ?? ctx.urls.http
  if (!url) throw new ImhError('IMH_ERR_INVALID_OPTION', `scenario ${ctx.spec.name}: http needs a url (profile field url or --target http://…)`)
  const timeout = o.requestTimeoutMs ?? 10_000
  const ok = (status: number): boolean => (o.expectStatus ? o.expectStatus.includes(status) : status >= 200 && status < 400)
  const {recorder, clock} = ctx

  return {
    async create(index) {
      const dispatcher = ctx.addresses.dispatcherFor(index, url)
      const once = async (intendedMs: number): Promise<void> => {
        const sentMs = clock.now()
        recorder.add('http_reqs')
        try {
          const res = await request(url, {method: (o.method ?? 'GET') as 'GET', headers: o.headers, body: o.body, dispatcher, headersTimeout: timeout, bodyTimeout: timeout})
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
        close: async () => {},
      }
      return vu
    },
  }
}
