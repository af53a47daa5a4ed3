import {BottleClient} from '../../client/bottle-client.js'
import type {ChatMessage} from '../../protocol/index.js'
import type {VirtualUser, VuFactory} from '../executors/virtual-user.js'
import {type ScenarioContext, errorCode} from './context.js'
import {untilAbortOrClosed} from './heartbeat.js'
import {startLoadClient, usernameFor} from './protocol-client.js'

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
export function bottleFactory(ctx: ScenarioContext): VuFactory {
  const {recorder, clock} = ctx
  const o = ctx.spec.options
  const throwMs = o.throwIntervalMs ?? 2000
  const pickMs = o.pickIntervalMs ?? 1000
  const replyRatio = o.replyRatio ?? 0.5
  const size = o.bottleSize ?? 64
  const timeoutMs = o.requestTimeoutMs ?? 10_000

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

      /** Runs `action` every `periodMs` from a random phase until the signal aborts. */
      const every = async (periodMs: number, signal: AbortSignal, action: (intendedMs: number) => Promise<void>): Promise<void> => {
        let next = clock.now() + ctx.random() * periodMs
        while (!signal.aborted) {
          await clock.sleep(next - clock.now(), signal).catch(() => undefined)
          if (signal.aborted) break
          const intended = clock.now()
          await action(intended)
          next = Math.max(next + periodMs, clock.now())
        }
      }

      const vu: VirtualUser = {
        async loop(signal) {
          // Both loops stop when the run ends or the server ends the session.
          const stop = new AbortController()
          const throwing = every(throwMs, stop.signal, () => throwOne())
          const picking = every(pickMs, stop.signal, pickOne)
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
}
