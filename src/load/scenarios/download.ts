import {MediaClient} from '../../client/media-client.js'
import {groupUrl} from '../../client/group-url.js'
import {fetchSchedulerAnswer} from '../../client/resolve.js'
import {ImhError, MEDIA_ROUTES, gameBytes} from '../../protocol/index.js'
import type {VirtualUser} from '../executors/virtual-user.js'
import {counter, trend} from '../metrics/metric-definition.js'
import {durationField} from '../profile/duration.js'
import {bool, check, integer} from '../profile/fields.js'
import {errorCode, schedulerUrl} from './context.js'
import {MEDIA_GET} from './media-get.js'
import {defineScenario, option} from './scenario-module.js'

const mediaPath = check('a path starting with /', (v) => typeof v === 'string' && v.startsWith('/') ? v : undefined)

/**
 * Game download (PROTOCOL.md §16): each iteration fetches the object from the media group in Range
 * requests of `chunkSize` (checking Content-Range, size and ETag across chunks, and for game.bin
 * every byte), then with `revalidate` asks again with If-None-Match and expects 304. The media
 * group's address comes from the scheduler, like every other group's.
 */
export const download = defineScenario({
  kind: 'download',
  summary: 'the game download of the media / CDN group (PROTOCOL.md §16): resumable Range downloads, verified byte for byte.',
  details: [
    'Each VU asks the scheduler for the media group, then downloads `path` again and again in Range requests of `chunkSize` bytes: the first request has no If-Range, every later one sends the first answer\'s ETag as If-Range; every 206 must carry the Content-Range asked for, the same total size and the same ETag, or the download fails with `IMH_ERR_PROTOCOL_VIOLATION`. For `/download/game.bin` every byte is compared with the content §16.6 defines (`download_bytes_verified`). With `revalidate` each download is followed by a GET with If-None-Match that must answer 304.',
    '`media_get` times each request (sent → body received); `download_throughput` each whole download: body bytes ÷ time from the first request to the last byte, **in kB/s = 1000 bytes per second**; the summary prints it as `12.3 MB/s`, and thresholds compare in kB/s, so `p(10)>1000` means "9 downloads in 10 ran faster than 1 MB/s". The reference server\'s object is 32 MiB by default (`imh serve --download-size`).',
  ].join('\n\n'),
  needsScheduler: true,
  options: {
    chunkSize: option({field: 'chunkSize', check: integer(0, 1024 * 1024 * 1024), default: 1024 * 1024, doc: 'bytes per Range request; `0` = the whole object in one plain GET'}),
    revalidate: option({field: 'revalidate', check: bool, default: false, doc: 'after each download, GET with If-None-Match and expect 304'}),
    path: option({field: 'path', check: mediaPath, default: MEDIA_ROUTES.download, doc: 'path on the media group; bytes are checked only for game.bin'}),
    pauseMs: option({field: 'pause', check: durationField(), default: 0, doc: 'think time: in VU models, wait this long after each download before the next (the `mixed` profile uses `5s`, so its downloaders do not take the machine\'s whole CPU)'}),
  },
  metrics: [
    MEDIA_GET,
    trend('download_throughput', 'download: body bytes of one whole download ÷ its time (first request sent → last byte received), in kB/s (1000 bytes per second)', 'kB/s'),
    counter('download_bytes_verified', 'download: body bytes received and found equal to the content PROTOCOL.md §16.6 defines', {unit: 'bytes'}),
  ],
  rate: {doc: 'a VU starts its next download when the previous one ended (after `pause`), so there is no rate to set; use an arrival-rate executor'},
  create(ctx) {
    const scheduler = schedulerUrl(ctx)
    const {recorder, clock} = ctx
    const o = ctx.options
    const path = o.path
    const verify = path === MEDIA_ROUTES.download
    const chunkBytes = o.chunkSize
    const pauseMs = o.pauseMs
    const timeoutMs = o.requestTimeoutMs

    return {
      async create(index) {
        const t0 = clock.now()
        const answer = await fetchSchedulerAnswer(scheduler, {clientId: `download-${index}`, dispatcher: ctx.addresses.dispatcherFor(index, scheduler)})
        recorder.trend('scheduler', clock.now() - t0)
        const base = answer.groups.media[0]
        if (!base) throw new ImhError('IMH_ERR_SCHEDULER_UNAVAILABLE', 'the scheduler lists no media group address')
        const url = groupUrl(base, path).href
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
  },
})
