import {BottleClient} from '../../client/bottle-client.js'
import type {ChatMessage} from '../../protocol/index.js'
import type {VirtualUser} from '../executors/virtual-user.js'
import {counter, trend} from '../metrics/metric-definition.js'
import {durationField} from '../profile/duration.js'
import {integer, ratio} from '../profile/fields.js'
import {errorCode} from './context.js'
import {startLoadClient, usernameFor} from './load-client.js'
import {paced, untilAbortOrClosed} from './loops.js'
import {defineScenario, option} from './scenario-module.js'

/** `imhb|vu|n|` padded to `size` bytes: bottle and reply content of this scenario. */
export function bottleContent(index: number, n: number, size: number): string {
  const head = `imhb|${index}|${n}|`
  return head.length >= size ? head.slice(0, size) : head + 'x'.repeat(size - head.length)
}

/**
 * Drift bottle (PROTOCOL.md §14): every VU throws a bottle every `throwInterval` and picks one
 * every `pickInterval` (bottle_pick, bottles_picked or bottles_empty), and replies to a share
 * `replyRatio` of what it picks. The thrower counts each reply that reaches it through SYNC
 * (type "bottle", bottle_replies). A pick may get a bottle of an earlier run on the same server:
 * its reply goes to that run's user, so bottle_replies can be lower than the replies sent.
 */
export const bottle = defineScenario({
  kind: 'bottle',
  summary: 'the drift bottle (PROTOCOL.md §14): clients throw, pick and reply to bottles; replies reach their throwers through SYNC.',
  details: [
    'Each VU logs in (heartbeat on, SYNC on notify), then throws a bottle every `throwInterval` and picks one every `pickInterval`, each from its own random phase; it replies to a share `replyRatio` of the bottles it picks (BOTTLE_REPLY, a message of type `bottle` in the thrower\'s inbox). Content is `bottleSize` bytes.',
    '`bottle_pick` is timed from BOTTLE_PICK sent to its reply (bottle or none); under arrival-rate executors from the intended start. `bottles_empty` counts picks answered "no bottle" (a pool with no bottle of somebody else). The pool is shared by every run on a server: a VU may pick a bottle of an earlier run, whose reply then goes to that run\'s user, so `bottle_replies` can be below the replies sent. Refusals and timeouts count as errors by code. Open models: each iteration throws one bottle, then picks one (and maybe replies).',
  ].join('\n\n'),
  needsScheduler: true,
  options: {
    throwIntervalMs: option({field: 'throwInterval', check: durationField({positive: true}), default: 2000, doc: "time between a VU's throws"}),
    pickIntervalMs: option({field: 'pickInterval', check: durationField({positive: true}), default: 1000, doc: "time between a VU's picks"}),
    replyRatio: option({field: 'replyRatio', check: ratio, default: 0.5, doc: 'share of picked bottles the picker replies to'}),
    bottleSize: option({field: 'bottleSize', check: integer(1, 1024), default: 64, doc: "bytes of each bottle's and reply's content"}),
  },
  metrics: [
    trend('bottle_pick', 'bottle: BOTTLE_PICK sent → its reply (a bottle or none)'),
    counter('bottles_thrown', 'bottle: bottles thrown into the pool'),
    counter('bottles_picked', 'bottle: picks that got a bottle'),
    counter('bottles_empty', 'bottle: picks answered "no bottle"'),
    counter('bottle_replies', "bottle: replies delivered to the thrower's inbox and pulled by the thrower"),
  ],
  rate: {doc: 'each VU throws every `throwInterval` and picks every `pickInterval`; set those, or use an arrival-rate executor'},
  create(ctx) {
    const {recorder, clock} = ctx
    const {throwIntervalMs: throwMs, pickIntervalMs: pickMs, replyRatio, bottleSize: size, requestTimeoutMs: timeoutMs} = ctx.options

    const onMessage = (m: ChatMessage): void => {
      if (m.type === 'bottle') recorder.add('bottle_replies')
    }

    return {
      async create(index) {
        const lc = await startLoadClient(ctx, index, {username: usernameFor(ctx, index), heartbeat: true})
        lc.client.on('message', onMessage)
        const bottles = BottleClient.of(lc.client)
        let n = 0

        const throwOne = async (): Promise<void> => {
          try {
            await bottles.throw(bottleContent(index, n++, size), timeoutMs)
            recorder.add('bottles_thrown')
            recorder.add('data_sent', size)
          } catch (err) {
            recorder.error(errorCode(err))
          }
        }

        /** One pick, measured from `intendedMs` (open models: a late start counts), and maybe a reply. */
        const pickOne = async (intendedMs: number): Promise<void> => {
          try {
            const bottle = await bottles.pick(timeoutMs)
            recorder.trend('bottle_pick', clock.now() - intendedMs)
            if (!bottle) {
              recorder.add('bottles_empty')
              return
            }
            recorder.add('bottles_picked')
            if (ctx.random() >= replyRatio) return
            const seq = n++
            await bottles.reply(bottle.bottleId, bottleContent(index, seq, size), `${ctx.runId}.${index}.b${seq}`, timeoutMs)
            recorder.add('data_sent', size)
          } catch (err) {
            recorder.error(errorCode(err))
          }
        }

        const vu: VirtualUser = {
          async loop(signal) {
            // Both loops stop when the run ends or the server ends the session.
            const stop = new AbortController()
            const throwing = paced(clock, ctx.random, throwMs, stop.signal, () => throwOne())
            const picking = paced(clock, ctx.random, pickMs, stop.signal, pickOne)
            try {
              await untilAbortOrClosed(signal, lc.closed)
            } finally {
              stop.abort()
              await Promise.all([throwing, picking])
            }
          },
          // Open models: an iteration throws one bottle and picks one.
          async iterate(intendedMs) {
            await throwOne()
            await pickOne(intendedMs)
          },
          close: () => lc.close(),
        }
        return vu
      },
    }
  },
})
