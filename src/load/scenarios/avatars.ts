import {AvatarCache} from '../../client/avatar-cache.js'
import {serverError} from '../../client/server-error.js'
import {ImhError} from '../../protocol/index.js'
import {undici} from '../../common/undici.js'
import type {EngineCounter, EngineTrend} from '../metrics/engine-metrics.js'
import {type CounterName, type TrendName, counter} from '../metrics/metric-definition.js'
import {type ScenarioContext, errorCode} from './context.js'
import {MEDIA_GET} from './media-get.js'
import type {CommonOptions} from './scenario-module.js'

/** What the avatar cache records; a scenario that shows avatars declares these among its metrics. */
export const AVATAR_METRICS = [
  MEDIA_GET,
  counter('avatar_cache_hit', "nearby, shake, moments: avatars on screen that the client's avatar cache already held (no request)"),
  counter('avatar_cache_miss', 'nearby, shake, moments: avatars on screen the client had to fetch from the media group'),
] as const

type AvatarContext = Pick<
  ScenarioContext<CommonOptions, TrendName<typeof AVATAR_METRICS> | EngineTrend, CounterName<typeof AVATAR_METRICS> | EngineCounter>,
  'recorder' | 'clock' | 'addresses' | 'options'
>

/**
 * An avatar cache for one virtual user whose misses GET the avatar from the media group through
 * undici, from the VU's source address. Records `media_get` per fetch, `avatar_cache_hit` /
 * `avatar_cache_miss` per avatar shown, and failed fetches under their error code (the failure is
 * rethrown to the caller as well, so `show()` rejects).
 *
 * @param index the VU's global index, which picks its source address (default 0)
 */
export function createAvatarCache(ctx: AvatarContext, capacity?: number, index = 0): AvatarCache {
  const {recorder, clock} = ctx
  const timeout = ctx.options.requestTimeoutMs
  const cache = new AvatarCache({
    capacity,
    fetch: async (url) => {
      const started = clock.now()
      try {
        const res = await undici().request(url, {method: 'GET', dispatcher: ctx.addresses.dispatcherFor(index, url), headersTimeout: timeout, bodyTimeout: timeout})
        const body = Buffer.from(await res.body.arrayBuffer())
        recorder.add('data_received', body.length)
        if (res.statusCode !== 200) {
          let parsed: Record<string, unknown> = {}
          try {
            parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>
          } catch {
            // not an envelope: fall through to the status error
          }
          if (typeof parsed.code === 'string') throw serverError(parsed, {status: res.statusCode}, `GET ${url}`)
          throw new ImhError('IMH_ERR_UNEXPECTED_STATUS', `GET ${url} answered ${res.statusCode}`)
        }
        recorder.trend('media_get', clock.now() - started)
        const etag = res.headers.etag
        return typeof etag === 'string' ? etag : ''
      } catch (err) {
        recorder.error(errorCode(err))
        throw err
      }
    },
  })
  // Counted from the cache's own tallies, so a show that rejects still reports what it saw.
  const show = cache.show.bind(cache)
  let reportedHits = 0
  let reportedMisses = 0
  cache.show = async (urls) => {
    try {
      return await show(urls)
    } finally {
      recorder.add('avatar_cache_hit', cache.hits - reportedHits)
      recorder.add('avatar_cache_miss', cache.misses - reportedMisses)
      reportedHits = cache.hits
      reportedMisses = cache.misses
    }
  }
  return cache
}
