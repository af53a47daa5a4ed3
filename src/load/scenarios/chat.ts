import type {ChatMessage} from '../../protocol/index.js'
import type {VirtualUser} from '../executors/virtual-user.js'
import {counter, trend} from '../metrics/metric-definition.js'
import {integer, number} from '../profile/fields.js'
import {errorCode} from './context.js'
import {LEDGER_LOST} from './ledger.js'
import {HEARTBEAT_INTERVAL, heartbeatOption, startLoadClient, usernameFor} from './load-client.js'
import {paced, untilAbortOrClosed} from './loops.js'
import {peerActive, peerOf} from './pairs.js'
import {defineScenario, option} from './scenario-module.js'

const TAG = 'imh1'

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

/** Pairs of clients sending each other messages (PROTOCOL.md §6); sync_latency is measured at the receiver. */
export const chat = defineScenario({
  kind: 'chat',
  summary: 'clients log in, pair up, and send each other messages; each message is timed from send to acknowledgement (`send_ack`) and to delivery through SYNC (`sync_latency`).',
  details: 'Client 2m chats with 2m+1; a client learns its peer\'s user id across workers. Each message carries its sender, number and send times, so `lost` (acknowledged, never delivered by the end of the drain) and `duplicates` are counted over every worker. Open models: each iteration sends one message to the pair, timed from its intended start.',
  needsScheduler: true,
  options: {
    messageRate: option({field: 'messageRate', check: number({above: 0}), default: 0.2, doc: 'messages per second each client sends to its peer (VU executors)'}),
    messageSize: option({field: 'messageSize', check: integer(1, 65536), default: 64, doc: 'bytes of message content'}),
    heartbeatIntervalMs: HEARTBEAT_INTERVAL,
  },
  metrics: [
    trend('sync_latency', "sender's intended send time → the receiver holds the message after notify and pull (coordinated-omission corrected in open models)"),
    trend('sync_latency_uncorrected', 'actual send time → the receiver holds the message after notify and pull (not corrected for coordinated omission)'),
    trend('send_ack', "sender's intended send time → the server acknowledges the message (coordinated-omission corrected in open models)"),
    trend('send_ack_uncorrected', 'actual send time → the server acknowledges the message (not corrected for coordinated omission)'),
    counter('sent', 'messages the clients sent', {reportZero: true}),
    counter('acked', 'messages the server acknowledged to their sender', {reportZero: true}),
    counter('delivered', 'messages that reached their receiver (first copy only)', {reportZero: true}),
    counter('duplicates', 'extra copies of messages a receiver already held', {reportZero: true}),
    LEDGER_LOST,
  ],
  rate: {sets: 'messageRate', as: 'rate', unit: 'messages', counts: 'sent'},
  create(ctx) {
    const {recorder, clock} = ctx
    const ledger = ctx.tallies.of(LEDGER_LOST)
    const {messageSize: size, messageRate: rate} = ctx.options

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

    return {
      async create(index) {
        const lc = await startLoadClient(ctx, index, {username: usernameFor(ctx, index), heartbeat: heartbeatOption(ctx.options.heartbeatIntervalMs)})
        lc.client.on('message', onMessage)
        ctx.directory.publish(index, lc.client.userId!)
        let n = 0
        const send = async (intendedMs: number): Promise<void> => {
          const peer = peerOf(index)
          const to = ctx.directory.lookup(peer)
          if (!to || !peerActive(ctx, peer)) return
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
            const sending = paced(clock, ctx.random, 1000 / rate, signal, send)
            await untilAbortOrClosed(signal, lc.closed)
            await sending
          },
          iterate: (intendedMs) => send(intendedMs),
          close: () => lc.close(),
        }
        return vu
      },
    }
  },
})
