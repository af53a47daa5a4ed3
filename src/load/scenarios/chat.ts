import type {AdapterGuarantees} from '../adapters/adapter.js'
import type {VirtualUser} from '../executors/virtual-user.js'
import {counter, trend} from '../metrics/metric-definition.js'
import {integer, number} from '../profile/fields.js'
import {errorCode} from './context.js'
import {LEDGER_LOST} from './ledger.js'
import {LONG_LINK_OPTIONS, reconnectOption, type LoadSession, type MessageSink, heartbeatOption, startSession, usernameFor} from './load-client.js'
import {pacedWhileLinked} from './loops.js'
import {peerActive, peerOf} from './pairs.js'
import {type ModuleContext, defineScenario, option} from './scenario-module.js'

const TAG = 'imh2'

/** What a chat message's content carries: its identity, its addressee and its send times. */
export interface ChatContent {
  sender: number
  incarnation: number
  n: number
  /** Global index of the client the message is meant for. */
  to: number
  intendedMs: number
  sentMs: number
}

/**
 * Message content: `imh2|sender|incarnation|n|to|intendedMs|sentMs|` padded to the profile's
 * size. (sender, incarnation, n) is unique in the run, so a client that starts again never
 * "delivers" its former life's messages. The receiver reads the times from it, so sender and
 * receiver may live in different processes as long as they share the clock
 * (performance.timeOrigin + performance.now() on one host).
 */
export function encodeContent(c: ChatContent, size: number): string {
  const head = `${TAG}|${c.sender}|${c.incarnation}|${c.n}|${c.to}|${c.intendedMs.toFixed(3)}|${c.sentMs.toFixed(3)}|`
  return head.length >= size ? head : head + 'x'.repeat(size - head.length)
}

export function decodeContent(content: string): ChatContent | undefined {
  const [tag, ...fields] = content.split('|', 7)
  if (tag !== TAG || fields.length !== 6) return undefined
  const [sender, incarnation, n, to, intendedMs, sentMs] = fields.map(Number) as [number, number, number, number, number, number]
  const out = {sender, incarnation, n, to, intendedMs, sentMs}
  return Object.values(out).every(Number.isFinite) ? out : undefined
}

const CHAT_OPTIONS = {
  messageRate: option({field: 'messageRate', check: number({above: 0}), default: 0.2, doc: 'messages per second each client sends to its peer (VU executors)'}),
  messageSize: option({field: 'messageSize', check: integer(1, 65536), default: 64, doc: 'bytes of message content'}),
  ...LONG_LINK_OPTIONS,
}

const CHAT_METRICS = [
  trend('sync_latency', "sender's intended send time → the receiver holds the message after notify and pull (coordinated-omission corrected in open models)"),
  trend('sync_latency_uncorrected', 'actual send time → the receiver holds the message after notify and pull (not corrected for coordinated omission)'),
  trend('send_ack', "sender's intended send time → the server acknowledges the message (coordinated-omission corrected in open models)"),
  trend('send_ack_uncorrected', 'actual send time → the server acknowledges the message (not corrected for coordinated omission)'),
  counter('sent', 'messages the clients sent', {reportZero: true}),
  counter('acked', 'messages the server acknowledged to their sender', {reportZero: true}),
  counter('delivered', 'messages that reached their receiver (first copy only)', {reportZero: true}),
  counter('duplicates', 'extra copies of messages a receiver already held (in the same life of the receiving client) where the protocol promises none', {reportZero: true}),
  counter('duplicates_allowed', "extra copies the adapter's protocol allows (at-least-once delivery, e.g. MQTT QoS 1); not counted in duplicates", {reportZero: true}),
  counter('redelivered', 'messages a receiving client got again after it started anew (its earlier life held them; the server returns what it retains to a fresh SYNC)', {reportZero: true}),
  counter('reordered', 'messages delivered after a later one of the same conversation (sender incarnation → receiver) where the protocol promises order', {reportZero: true}),
  counter('reordered_allowed', "messages delivered after a later one of their conversation, by an adapter whose protocol does not promise order; not counted in reordered", {reportZero: true}),
  counter('misdelivered', 'messages that reached a client they were not addressed to (a stale user id after the server forgot its users); not counted delivered', {reportZero: true}),
  LEDGER_LOST,
] as const

type ChatContext = ModuleContext<typeof CHAT_OPTIONS, typeof CHAT_METRICS>

/** What the VUs of one chat scenario in this worker share: the context, the ledger, the options. */
class ChatRun {
  readonly ledger
  readonly scope: string
  readonly size: number
  readonly periodMs: number
  /** Incarnations of this worker's clients: indices live in one worker, so (index, incarnation) is unique in the run. */
  incarnations = 0
  /** What the adapter's protocol promises: which duplicates and reorderings are its to allow, and whether sends are acknowledged. */
  readonly promises: AdapterGuarantees

  constructor(readonly ctx: ChatContext) {
    this.ledger = ctx.tallies.of(LEDGER_LOST)
    this.scope = ctx.name
    this.size = ctx.options.messageSize
    this.periodMs = 1000 / ctx.options.messageRate
    this.promises = ctx.adapter?.guarantees ?? {acknowledged: true, delivery: 'exactly-once', ordered: true}
  }

  onMessage(receiver: number, life: number, body: string): void {
    const {recorder, clock} = this.ctx
    const c = decodeContent(body)
    if (!c) return
    const at = clock.now()
    if (c.to !== receiver) {
      recorder.add('misdelivered')
      return
    }
    const delivery = this.ledger.delivered({scope: this.scope, sender: c.sender, incarnation: c.incarnation, n: c.n}, life)
    if (delivery === 'duplicate') {
      recorder.add(this.promises.delivery === 'at-least-once' ? 'duplicates_allowed' : 'duplicates')
      return
    }
    if (delivery === 'redelivered') {
      recorder.add('redelivered')
      return
    }
    if (delivery === 'reordered') recorder.add(this.promises.ordered ? 'reordered' : 'reordered_allowed')
    recorder.add('delivered')
    recorder.trend('sync_latency', at - c.intendedMs)
    recorder.trend('sync_latency_uncorrected', at - c.sentMs)
  }
}

/**
 * One chat client as a VU: methods of a class, so that thousands of them carry no closures. It
 * takes its client's messages (MessageSink) from before its session starts, so `lc` comes after.
 */
class ChatUser implements VirtualUser, MessageSink {
  private n = 0
  lc!: LoadSession

  constructor(private readonly run: ChatRun, private readonly index: number, private readonly incarnation: number) {}

  message(body: string): void {
    this.run.onMessage(this.index, this.incarnation, body)
  }

  loop(signal: AbortSignal): Promise<void> {
    const {ctx, periodMs} = this.run
    // Closed model: each client sends every 1/rate s from a random phase, waiting for each
    // acknowledgement before the next (a slow server slows the senders down), until the run ends
    // or the server ends its session.
    return pacedWhileLinked(ctx.clock, ctx.random, periodMs, signal, this.lc.closed, this)
  }

  /** Sends one message to the peer, if it takes part now. */
  async iterate(intendedMs: number): Promise<void> {
    const {ctx, scope, size, ledger, promises} = this.run
    const {recorder, clock} = ctx
    const {index, incarnation} = this
    const peer = peerOf(index, ctx.shard?.count)
    const to = ctx.directory.lookup(peer)
    if (!to || !peerActive(ctx, peer)) return
    const id = {scope, sender: index, incarnation, n: this.n++}
    const sentMs = clock.now()
    recorder.add('sent')
    recorder.add('data_sent', size)
    try {
      // Fields named, not spread: `{...id, to, …}` made ~1 KB of garbage per message (bench:sync).
      await this.lc.session.send(to, encodeContent({sender: index, incarnation, n: id.n, to: peer, intendedMs, sentMs}, size), `${ctx.runId}.${index}.${incarnation}.${id.n}`)
    } catch (err) {
      recorder.error(errorCode(err))
      return
    }
    // Without acknowledgements the ledger holds what was handed to the connection: `lost` is
    // then what the client sent and no receiver got.
    ledger.acked(id)
    if (!promises.acknowledged) return
    const at = clock.now()
    recorder.add('acked')
    recorder.trend('send_ack', at - intendedMs)
    recorder.trend('send_ack_uncorrected', at - sentMs)
  }

  close(): Promise<void> {
    return this.lc.close()
  }
}

/** Pairs of clients sending each other messages (PROTOCOL.md §6); sync_latency is measured at the receiver. */
export const chat = defineScenario({
  kind: 'chat',
  summary: 'clients log in, pair up, and send each other messages; each message is timed from send to acknowledgement (`send_ack`) and to delivery through SYNC (`sync_latency`).',
  details: 'Client 2m chats with 2m+1; a client learns its peer\'s user id across workers. An offline shard (`imh load --shard i/N`) shares no directory with the other shards, so its own clients pair up instead (the 2m-th with the 2m+1-th of its indices i, i+N, i+2N, …), and `lost` stays exact per shard and after `imh merge`. Each message carries its identity (sender, incarnation, n — the incarnation changes whenever a client starts again), its addressee and send times, so `lost` (acknowledged, never delivered by the end of the drain), `duplicates` and `reordered` are counted over every worker, right across reconnects and a server that forgets its state. A client whose long link dies ends its VU; the executor starts that index again a second later, as a new incarnation. Open models: each iteration sends one message to the pair, timed from its intended start. With another client adapter (`--adapter`, docs/adapters.md) the clients speak that protocol and the counting follows what it promises: second copies an at-least-once protocol allows are `duplicates_allowed`, late messages of an unordered one `reordered_allowed`, and without acknowledgements there is no `acked` or `send_ack` and `lost` counts the messages handed to the connection that never arrived.',
  needsScheduler: true,
  adapters: true,
  options: CHAT_OPTIONS,
  metrics: CHAT_METRICS,
  rate: {sets: 'messageRate', as: 'rate', unit: 'messages', counts: 'sent'},
  create(ctx) {
    const run = new ChatRun(ctx)
    return {
      async create(index) {
        // A new life: its messages count from 0 under a new incarnation.
        const incarnation = run.incarnations++
        // Taking messages from the start: the SYNC after AUTH brings what was stored while this index was away.
        const user = new ChatUser(run, index, incarnation)
        user.lc = await startSession(ctx, index, {
          username: usernameFor(ctx, index),
          heartbeat: heartbeatOption(ctx.options.heartbeatIntervalMs),
          reconnect: reconnectOption(ctx.options),
          messages: user,
        })
        ctx.directory.publish(index, user.lc.session.address)
        return user
      },
    }
  },
})
