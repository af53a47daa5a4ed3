import {MediaClient} from '../../client/media-client.js'
import {fetchSchedulerAnswer} from '../../client/resolve.js'
import {ImhError, MEDIA_ROUTES, gameBytes} from '../../protocol/index.js'
import type {VirtualUser, VuFactory} from '../executors/virtual-user.js'
import {type ScenarioContext, errorCode} from './context.js'

/**
 * Game download (flows.md §3, PROTOCOL.md §16): each iteration fetches the object from the media
 * group in Range requests of `chunkSize` (checking Content-Range, size and ETag across chunks, and
 * for game.bin every byte), then with `revalidate` asks again with If-None-Match and expects 304.
 * The media group's address comes from the scheduler, like every other group's.
 */
export function downloadFactory(ctx: ScenarioContext): VuFactory {
  const scheduler = ctx.urls.scheduler
  if (!scheduler) throw new ImhError('IMH_ERR_INVALID_OPTION', `scenario ${ctx.spec.name} needs a scheduler URL (--target)`)
  const {recorder, clock} = ctx
  const o = ctx.spec.options
  const path = o.path ?? MEDIA_ROUTES.download
  const verify = path === MEDIA_ROUTES.download
  const chunkBytes = o.chunkSize ?? 1024 * 1024
  const pauseMs = o.pauseMs ?? 0
  const timeoutMs = o.requestTimeoutMs ?? 10_000

  return {
    async create(index) {
      const t0 = clock.now()
      const answer = await fetchSchedulerAnswer(scheduler, {clientId: `download-${index}`, dispatcher: ctx.addresses.dispatcherFor(index, scheduler)})
      recorder.trend('scheduler', clock.now() - t0)
      const base = answer.groups.media[0]
      if (!base) throw new ImhError('IMH_ERR_SCHEDULER_UNAVAILABLE', 'the scheduler lists no media group address')
      const url = base.replace(/\/+$/, '') + path
      const client = new MediaClient({base, dispatcher: ctx.addresses.dispatcherFor(index, base), timeoutMs})
      // A downloading client counts as connected, so the run's client gauges show it.
      ctx.gauges.connected++

      const once = async (): Promise<void> => {
        const started = clock.now()
        try {
          let verified = 0
          const result = await client.download(url, {
            chunkBytes,
            onData: (offset, bytes) => {
              if (!verify) return
              if (!gameBytes(offset, bytes.length).equals(bytes)) throw new ImhError('IMH_ERR_PROTOCOL_VIOLATION', `${url}: bytes ${offset}–${offset + bytes.length - 1} differ from the content of §16.6`)
              verified += bytes.length
            },
            onResponse: (_status, bytes, ms) => {
              recorder.trend('media_get', ms)
              recorder.add('data_received', bytes)
            },
          })
          const seconds = (clock.now() - started) / 1000
          if (seconds > 0) recorder.trend('download_throughput', result.received / seconds / 1000)
          if (verify) recorder.add('download_bytes_verified', verified)
          if (o.revalidate) {
            const r0 = clock.now()
            const again = await client.get(url, {etag: result.etag})
            recorder.trend('media_get', clock.now() - r0)
            if (again.status !== 304) throw new ImhError('IMH_ERR_PROTOCOL_VIOLATION', `${url}: If-None-Match ${result.etag} answered ${again.status}, expected 304`)
          }
          recorder.add('iterations')
        } catch (err) {
          recorder.error(errorCode(err))
        }
      }
      const vu: VirtualUser = {
        async loop(signal) {
          while (!signal.aborted) {
            await once()
            // Think time: a player does not start the next download the moment one ends.
            if (pauseMs > 0) await ctx.clock.sleep(pauseMs, signal).catch(() => undefined)
          }
        },
        iterate: () => once(),
        close: async () => {
          ctx.gauges.connected--
        },
      }
      return vu
    },
  }
}
