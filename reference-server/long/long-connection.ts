import {randomUUID} from 'node:crypto'
import {
  CMD, DEFAULT_SYNC_CATEGORY, type Frame, HEAD_LEN, ImhError, PUSH_SEQ, type SyncCategory, closeCodeFor, cmdName, encodeFrame, errorBody,
  isImhError, isKnownCmd, parseAuth, parseJsonBody, parseSendMsg, parseSync, syncCategory,
} from '../../src/protocol/index.js'
import type {CoreLimits} from '../core/limits.js'
import type {Store} from '../store/store.js'
import type {Inbound, LinkTransport} from './link-transport.js'
import type {LinkPeer, LinkPresence} from './link-peer.js'
import type {LongService} from './long-service.js'
import type {LongStats} from './long-stats.js'

/** What all connections of one long-link node share. */
export interface LongContext {
  store: Store
  limits: CoreLimits
  /** The node's authenticated connections, one per user (PROTOCOL.md §5.5). */
  byUser: Map<string, LongConnection>
  /** Flows beyond chat, by request cmd; a cmd no service owns is unknown. */
  services: Map<number, LongService>
  /** Every service once, to tell them a link went. */
  serviceList: LongService[]
  /** Counts for the metrics endpoint, when the node serves one. */
  stats?: LongStats
  /** Told of links added to and removed from `byUser` (the nodes of a group sharing a Redis). */
  presence?: LinkPresence
}

/** Chat's notify (cmd 4, seq 0, empty body) is the same 20 bytes every time: encoded once. */
const CHAT_NOTIFY = encodeFrame(CMD.SYNC_NOTIFY, PUSH_SEQ)

/**
 * One client's long link: handshake, serial frame processing, timers, notify coalescing. The same
 * over WebSocket and over a byte stream: `transport` is what differs (link-transport.ts).
 */
export class LongConnection implements LinkPeer {
  readonly key = randomUUID()
  userId: string | undefined
  private state: 'handshake' | 'open' | 'closed' = 'handshake'
  private readonly queue: Inbound[] = []
  private queuedBytes = 0
  private running = false
  /** Categories notified and not SYNCed since, with when: at most one outstanding notify per category (§6.3). */
  private readonly notifyPending = new Map<SyncCategory, number>()
  private readonly handshakeTimer: NodeJS.Timeout
  private idleTimer: NodeJS.Timeout | undefined
  /** The socket is corked until the end of this tick (see send). */
  private corked = false
  private readonly uncork = (): void => {
    this.corked = false
    this.transport.uncork()
  }

  constructor(private readonly transport: LinkTransport, private readonly ctx: LongContext) {
    this.handshakeTimer = setTimeout(() => this.fatal(new ImhError('IMH_ERR_HANDSHAKE_TIMEOUT', `no AUTH within ${ctx.limits.handshakeTimeoutMs} ms`), PUSH_SEQ), ctx.limits.handshakeTimeoutMs)
    transport.attach({
      inbound: (item) => this.onInbound(item),
      activity: () => this.idleTimer?.refresh(),
      closed: () => this.onClose(),
    })
  }

  /** 'ws' or 'stream': what the link came over. */
  get transportKind(): LinkTransport['kind'] {
    return this.transport.kind
  }

  /** Called by the node when a newer login of this user authenticated elsewhere. */
  kick(): void {
    this.fatal(new ImhError('IMH_ERR_KICKED', 'another login of this user took over'), PUSH_SEQ)
  }

  /** Tells the client there is something to pull; at most one outstanding (PROTOCOL.md §6.3). */
  notify(category: SyncCategory = DEFAULT_SYNC_CATEGORY): void {
    if (this.state !== 'open' || this.notifyPending.has(category)) return
    // The time is read only when the metrics endpoint wants notify-to-pull times.
    this.notifyPending.set(category, this.ctx.stats ? performance.now() : 0)
    // The default category's notify keeps its empty body, so clients that know no categories work unchanged.
    this.send(category === DEFAULT_SYNC_CATEGORY ? CHAT_NOTIFY : encodeFrame(CMD.SYNC_NOTIFY, PUSH_SEQ, {category}))
  }

  /** Sends a push (seq 0) if the link is open and authenticated. */
  push(cmd: number, body: unknown): void {
    if (this.state === 'open') this.send(encodeFrame(cmd, PUSH_SEQ, body))
  }

  private onInbound(item: Inbound): void {
    if (this.state === 'closed') return
    this.idleTimer?.refresh()
    this.queue.push(item)
    this.queuedBytes += item.bytes
    const {maxQueuedFrames, maxQueuedBytes} = this.ctx.limits
    // Bounded in frames and in bytes: at most one more message (one more read) arrives after the pause.
    if ((this.queue.length >= maxQueuedFrames || this.queuedBytes >= maxQueuedBytes) && !this.transport.isPaused) this.transport.pause()
    void this.drain()
  }

  private async drain(): Promise<void> {
    if (this.running) return
    this.running = true
    try {
      while (this.queue.length > 0 && this.state !== 'closed') {
        const item = this.queue.shift()!
        this.queuedBytes -= item.bytes
        if ('error' in item) {
          // Framing errors: the header cannot be trusted, so the answer is a push (§4.5).
          this.fatal(item.error, PUSH_SEQ)
          break
        }
        await this.handle(item.frame)
        // A link whose frames wait in this queue is not idle (§5.4): with a shared store each
        // frame costs a Redis round trip, and 1,000 pipelined SEND_MSGs outlast the idle timeout.
        this.idleTimer?.refresh()
        const {maxQueuedFrames, maxQueuedBytes} = this.ctx.limits
        if (this.transport.isPaused && this.queue.length < maxQueuedFrames / 2 && this.queuedBytes < maxQueuedBytes / 2) this.transport.resume()
      }
    } finally {
      this.running = false
    }
  }

  private async handle(frame: Frame): Promise<void> {
    this.ctx.stats?.frameIn(frame.cmd)
    try {
      if (this.state === 'handshake' && frame.cmd !== CMD.AUTH) {
        throw new ImhError('IMH_ERR_NOT_AUTHENTICATED', `${cmdName(frame.cmd)} before AUTH; the first frame must be AUTH`)
      }
      switch (frame.cmd) {
        case CMD.NOOP: return this.send(encodeFrame(CMD.NOOP, frame.seq))
        case CMD.AUTH: return await this.auth(frame)
        case CMD.SEND_MSG: return await this.sendMsg(frame)
        case CMD.SYNC: return await this.sync(frame)
        default:
          {
            const service = this.ctx.services.get(frame.cmd)
            if (service) return await service.handle(this, frame, (body) => this.send(encodeFrame(frame.cmd, frame.seq, body)))
          }
          // Every command a client may send is handled above: a known cmd here is server-only.
          throw new ImhError('IMH_ERR_UNKNOWN_CMD', isKnownCmd(frame.cmd)
            ? `cmd ${frame.cmd} (${cmdName(frame.cmd)}) is sent only by the server`
            : `unknown cmd ${frame.cmd}`)
      }
    } catch (err) {
      const coded = isImhError(err) ? err : new ImhError('IMH_ERR_INTERNAL', (err as Error)?.message)
      if (coded.fatal) this.fatal(coded, frame.seq)
      else {
        this.ctx.stats?.error(coded.code)
        this.send(encodeFrame(CMD.ERROR, frame.seq, errorBody(coded)))
      }
    }
  }

  private async auth(frame: Frame): Promise<void> {
    if (this.state === 'open') throw new ImhError('IMH_ERR_ALREADY_AUTHENTICATED')
    const {token} = parseAuth(parseJsonBody(frame.body))
    const check = await this.ctx.store.checkToken(token)
    if (check.status === 'kicked') throw new ImhError('IMH_ERR_KICKED', 'this token was replaced by a newer login')
    if (check.status !== 'ok') throw new ImhError('IMH_ERR_SESSION_INVALID', 'token unknown or expired')
    if (this.state !== 'handshake') return
    const {limits, byUser, store} = this.ctx
    clearTimeout(this.handshakeTimer)
    this.state = 'open'
    this.userId = check.userId
    this.idleTimer = setTimeout(() => this.fatal(new ImhError('IMH_ERR_IDLE_TIMEOUT', `no frame for ${limits.idleTimeoutMs} ms`), PUSH_SEQ), limits.idleTimeoutMs)
    const previous = byUser.get(check.userId)
    byUser.set(check.userId, this)
    previous?.kick()
    // Published in the same tick as the link takes its place: a shared store orders two nodes'
    // kicks of one user by their generations, and a kick from another node that arrived while
    // this link was in place but its own kick not yet out would close it (test/redis-kick).
    const kicked = store.publish({type: 'kick', userId: check.userId, keep: this.key})
    // Other nodes can push to the link once its AUTH is answered.
    if (this.ctx.presence) {
      await this.ctx.presence.registered(this)
      // A newer AUTH of the user on this node took over meanwhile, and kicked this link.
      if (byUser.get(check.userId) !== this) return
    }
    this.send(encodeFrame(CMD.AUTH, frame.seq, {userId: check.userId, serverTime: Date.now(), heartbeatIntervalMs: limits.heartbeatIntervalMs, idleTimeoutMs: limits.idleTimeoutMs}))
    await kicked
  }

  private async sendMsg(frame: Frame): Promise<void> {
    const req = parseSendMsg(parseJsonBody(frame.body))
    const {reply, duplicate} = await this.ctx.store.appendMessage({from: this.userId!, to: req.to, clientMsgId: req.clientMsgId, type: req.type, content: req.content})
    if (!duplicate) await this.ctx.store.publish({type: 'notify', userId: req.to})
    this.send(encodeFrame(CMD.SEND_MSG, frame.seq, reply))
  }

  private async sync(frame: Frame): Promise<void> {
    const req = parseSync(parseJsonBody(frame.body))
    const {store, limits} = this.ctx
    if (req.limit === 0) throw new ImhError('IMH_ERR_BAD_BODY', 'SYNC: field "limit" must be at least 1', {field: 'limit'})
    const limit = Math.min(req.limit ?? limits.syncPageDefault, limits.syncPageMax)
    const userId = this.userId!
    const category = req.category ?? DEFAULT_SYNC_CATEGORY
    // Cleared before reading: a message stored after this point gets a notify of its own.
    const notifiedAt = this.notifyPending.get(category)
    if (notifiedAt !== undefined) this.ctx.stats?.onNotifyToPull?.(performance.now() - notifiedAt)
    this.notifyPending.delete(category)
    const epoch = await store.inboxEpoch(userId, category)
    let resync = req.syncKey.epoch !== 0 && req.syncKey.epoch !== epoch
    let after = req.syncKey.epoch === epoch ? req.syncKey.seq : 0
    let page = await store.readInbox(userId, after, limit, category)
    if (after > page.lastSeq) {
      // The client holds more than this inbox ever assigned: its key is from a lost state.
      resync = true
      after = 0
      page = await store.readInbox(userId, 0, limit, category)
    }
    // Acknowledged only once the key is known to be genuine (PROTOCOL.md §6.5).
    if (after > 0) await store.ack(userId, after, category)
    const items = syncCategory(category).itemsField
    const replyOf = (entries: typeof page.entries, more: boolean): Buffer => {
      const last = entries.at(-1)
      const syncKey = {epoch: page.epoch, seq: last ? last.seq : page.lastSeq}
      // The entries go under the field the category declares: chat's `messages`, moments' `notices` (§6.4, §15.6).
      return encodeFrame(CMD.SYNC, frame.seq, {syncKey, [items]: entries, continue: more, ...(resync ? {resync: true} : {})})
    }
    let entries = page.entries
    let reply = replyOf(entries, page.more)
    // A page of many large messages can outgrow the body limit the client enforces (§4.1, §6.4):
    // fewer messages then, `continue` true, and the client pulls the rest at once.
    while (reply.length - HEAD_LEN > limits.maxBodyBytes && entries.length > 1) {
      const fits = Math.floor((entries.length * limits.maxBodyBytes) / (reply.length - HEAD_LEN))
      entries = entries.slice(0, Math.max(1, Math.min(entries.length - 1, fits)))
      reply = replyOf(entries, true)
    }
    this.send(reply)
  }

  private send(buf: Buffer): void {
    if (!this.transport.open) return
    // §5.6's floor: never below two largest frames, however low the configured limit.
    const limit = Math.max(this.ctx.limits.maxBufferedBytes, 2 * (HEAD_LEN + this.ctx.limits.maxBodyBytes))
    if (this.transport.bufferedAmount + buf.length > limit) {
      this.fatal(new ImhError('IMH_ERR_SLOW_CONSUMER', `client is not reading: over ${limit} bytes wait to be sent`), PUSH_SEQ)
      return
    }
    // Each frame is a write call (a syscall) of its own: a reply and a notify, or the replies to
    // frames that came in one read, share one when the socket is corked until the tick ends.
    // The profile of the SYNC path had a third of the server's time in writev.
    if (!this.corked) {
      this.corked = true
      this.transport.cork()
      process.nextTick(this.uncork)
    }
    this.ctx.stats?.frameOut(buf)
    this.transport.send(buf)
  }

  /**
   * Sends the ERROR, then closes: a WebSocket with 4000 + ret mod 1000, a stream with its FIN
   * (PROTOCOL.md §4.5). Nothing the client sent later is processed.
   */
  private fatal(err: ImhError, seq: number): void {
    if (this.state === 'closed') return
    this.ctx.stats?.error(err.code)
    this.state = 'closed'
    this.queue.length = 0
    this.queuedBytes = 0
    this.linkGone()
    // Straight to the socket: for a slow consumer this is the one frame allowed past the limit.
    this.transport.closeAfterError(encodeFrame(CMD.ERROR, seq, errorBody(err)), closeCodeFor(err.ret), err.code)
  }

  /** The server closes: the link goes without an ERROR. */
  terminate(): void {
    this.transport.terminate()
  }

  private linkGone(): void {
    for (const service of this.ctx.serviceList) service.linkGone?.(this)
  }

  private onClose(): void {
    this.state = 'closed'
    this.queue.length = 0
    clearTimeout(this.handshakeTimer)
    clearTimeout(this.idleTimer)
    this.linkGone()
    if (this.userId !== undefined && this.ctx.byUser.get(this.userId) === this) {
      this.ctx.byUser.delete(this.userId)
      this.ctx.presence?.unregistered(this)
    }
  }
}
