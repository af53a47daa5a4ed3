import type {ChatMessage} from '../../protocol/index.js'
import type {VirtualUser, VuFactory} from '../executors/virtual-user.js'
import {type ScenarioContext, errorCode} from './context.js'
import {heartbeatOption, untilAbortOrClosed} from './heartbeat.js'
import {startLoadClient, usernameFor} from './protocol-client.js'

const TAG = 'imh1'

/** Client 2m chats with 2m+1: with workers taking indices round robin, pairs span workers. */
export function peerOf(index: number): number {
  return index ^ 1
}

/**
 * Message content: `imh1|sender|n|intendedMs|sentMs|` padded to the profile's size. The receiver
 * reads the times from it, so sender and receiver may live in different processes as long as
 * they share the clock (performance.timeOrigin + performance.now() on one host).
 */
export function encodeContent(sender: number, n: number, intendedMs: number, sentMs: number, size: number): string {
  const head = `${TAG}|${sender}|${n}|${intendedMs.toFixed(3)}|${sentMs.toFixed(3)}|`
  return head.length >= size ? head : head + 'x'.repeat(size - head.length)
}

export function decodeContent(content: string): {sender: number; n: number; intendedMs: number; sentMs: number} | undefined {
  const [tag, s, n, i, t] = content.split('|', 5)
  if (tag !== TAG || s === undefined || n === undefined || i === undefined || t === undefined) return undefined
  const out = {sender: Number(s), n: Number(n), intendedMs: Number(i), sentMs: Number(t)}
  return Object.values(out).every(Number.isFinite) ? out : undefined
}

/** Pairs of clients sending each other messages; sync_latency is measured at the receiver. */
export function chatFactory(ctx: ScenarioContext): VuFactory {
  const {recorder, ledger, clock} = ctx
  const size = ctx.spec.options.messageSize ?? 64
  const rate = ctx.spec.options.messageRate ?? 0.2

  const onMessage = (m: ChatMessage): void => {
    const c = decodeContent(m.content)
    if (!c) return
    const at = clock.now()
    if (!ledger.delivered(c.sender, c.n)) {
      recorder.add('duplicates')
      return
    }
    recorder.add('delivered')
    recorder.trend('sync_latency', at - c.intendedMs)
    recorder.trend('sync_latency_uncorrected', at - c.sentMs)
  }

  // The peer takes part only while the schedule has it active; the schedule is the same in
  // every worker, so both sides of a pair agree without talking.
  const peerActive = (peer: number): boolean => {
    if (ctx.plan.kind !== 'vus') return true
    return peer < ctx.plan.vusAt(clock.now() - ctx.startedAt)
  }

  return {
    async create(index) {
      const lc = await startLoadClient(ctx, index, {username: usernameFor(ctx, index), heartbeat: heartbeatOption(ctx)})
      lc.client.on('message', onMessage)
      ctx.directory.publish(index, lc.client.userId!)
      let n = 0
      const send = async (intendedMs: number): Promise<void> => {
        const peer = peerOf(index)
        const to = ctx.directory.lookup(peer)
        if (!to || !peerActive(peer)) return
        const seq = n++
        const sentMs = clock.now()
        recorder.add('sent')
        recorder.add('data_sent', size)
        try {
          await lc.client.sendText(to, encodeContent(index, seq, intendedMs, sentMs, size), `${ctx.runId}.${index}.${seq}`)
        } catch (err) {
          recorder.error(errorCode(err))
          return
        }
        const at = clock.now()
        ledger.acked(index, seq)
        recorder.add('acked')
        recorder.trend('send_ack', at - intendedMs)
        recorder.trend('send_ack_uncorrected', at - sentMs)
      }
      const vu: VirtualUser = {
        async loop(signal) {
          // Closed model: each client sends every 1/rate s from a random phase, waiting for each
          // acknowledgement before the next (a slow server slows the senders down).
          const period = 1000 / rate
          let next = clock.now() + ctx.random() * period
          const sending = (async () => {
            while (!signal.aborted) {
              await clock.sleep(next - clock.now(), signal).catch(() => undefined)
              if (signal.aborted) break
              await send(clock.now())
              next = Math.max(next + period, clock.now())
            }
          })()
          await untilAbortOrClosed(signal, lc.closed)
          await sending
        },
        iterate: (intendedMs) => send(intendedMs),
        close: () => lc.close(),
      }
      return vu
    },
  }
}
