import {EventEmitter} from 'node:events'
import {
  CMD, type Frame, ImhError, type TalkEndedPush, type TalkInviteReply, type TalkJoinReply, type TalkJoinedPush,
  type TalkRingPush, parseJsonBody, parseTalkEnded, parseTalkJoined, parseTalkRing,
} from '../protocol/index.js'
import type {LongLink} from './long-link.js'
import type {VirtualClient} from './virtual-client.js'

export interface TalkClientEvents {
  /** Somebody calls this user (TALK_RING). */
  ring: [TalkRingPush]
  /** The callee joined a call this user placed (TALK_JOINED). */
  joined: [TalkJoinedPush]
  /** A call of this user ended, with the reason (TALK_ENDED). */
  ended: [TalkEndedPush]
  /** A talk push the server sent off-spec. */
  error: [Error]
}

type Kind = keyof Omit<TalkClientEvents, 'error'>
type Body<K extends Kind> = TalkClientEvents[K][0]

const PUSHES: Record<number, [Kind, (v: unknown) => unknown]> = {
  [CMD.TALK_RING]: ['ring', parseTalkRing],
  [CMD.TALK_JOINED]: ['joined', parseTalkJoined],
  [CMD.TALK_ENDED]: ['ended', parseTalkEnded],
}

export const TALK_PUSH_HISTORY = 256

/**
 * The call-signalling role of one user (PROTOCOL.md §11.2) on top of a long link: requests
 * TALK_INVITE / TALK_JOIN / TALK_HANGUP, and events from the TALK_RING / TALK_JOINED /
 * TALK_ENDED pushes. It follows one link: after VirtualClient.connect() makes a new one, make a
 * new TalkClient.
 */
export class TalkClient extends EventEmitter<TalkClientEvents> {
  /** The latest talk pushes, oldest first, so a wait can find a push that came before it began. */
  readonly history: Array<{kind: Kind; body: Body<Kind>}> = []
  private readonly onPush = (frame: Frame) => this.push(frame)

  constructor(readonly link: LongLink) {
    super()
    link.on('push', this.onPush)
  }

  /** The talk role of a started VirtualClient (its current long link). */
  static of(client: VirtualClient): TalkClient {
    if (!client.link) throw new ImhError('IMH_ERR_INVALID_OPTION', 'TalkClient.of: the client has no long link; start() it first')
    return new TalkClient(client.link)
  }

  /** Calls `callee`; the reply carries the call id, the relay token and the relay group. */
  invite(callee: string, timeoutMs?: number): Promise<TalkInviteReply> {
    return this.link.call<TalkInviteReply>(CMD.TALK_INVITE, {callee}, timeoutMs)
  }

  /** Answers a ringing call as its callee. */
  join(callId: string, timeoutMs?: number): Promise<TalkJoinReply> {
    return this.link.call<TalkJoinReply>(CMD.TALK_JOIN, {callId}, timeoutMs)
  }

  /** Ends a call: cancels it (caller, ringing), declines it (callee, ringing) or hangs up. */
  async hangup(callId: string, timeoutMs?: number): Promise<void> {
    await this.link.call(CMD.TALK_HANGUP, {callId}, timeoutMs)
  }

  waitRing(match: (r: TalkRingPush) => boolean = () => true, timeoutMs?: number): Promise<TalkRingPush> {
    return this.wait('ring', match, timeoutMs)
  }

  waitJoined(callId: string, timeoutMs?: number): Promise<TalkJoinedPush> {
    return this.wait('joined', (j) => j.callId === callId, timeoutMs)
  }

  waitEnded(callId: string, timeoutMs?: number): Promise<TalkEndedPush> {
    return this.wait('ended', (e) => e.callId === callId, timeoutMs)
  }

  /**
   * The first push of `kind` that matches, from history or still to come; rejects after
   * timeoutMs (default 10 s) or when the link closes first.
   */
  wait<K extends Kind>(kind: K, match: (body: Body<K>) => boolean, timeoutMs = 10_000): Promise<Body<K>> {
    const seen = this.history.find((h) => h.kind === kind && match(h.body as Body<K>))
    if (seen) return Promise.resolve(seen.body as Body<K>)
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer)
        this.off(kind, onEvent as never)
        this.link.off('close', onClose)
      }
      const onEvent = (body: Body<K>) => {
        if (!match(body)) return
        cleanup()
        resolve(body)
      }
      const onClose = () => {
        cleanup()
        reject(new ImhError('IMH_ERR_CONNECTION_CLOSED', `link closed while waiting for a talk ${kind} push`))
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(new ImhError('IMH_ERR_TIMEOUT', `no matching talk ${kind} push within ${timeoutMs} ms`))
      }, timeoutMs)
      if (this.link.closed) return onClose()
      this.on(kind, onEvent as never)
      this.link.on('close', onClose)
    })
  }

  /** Stops listening to the link. */
  detach(): void {
    this.link.off('push', this.onPush)
  }

  private push(frame: Frame): void {
    const entry = PUSHES[frame.cmd]
    if (!entry) return
    const [kind, parse] = entry
    let body: Body<Kind>
    try {
      body = parse(parseJsonBody(frame.body)) as Body<Kind>
    } catch (err) {
      // An 'error' without a listener would throw inside the link's push handler.
      if (this.listenerCount('error') > 0) this.emit('error', err as Error)
      return
    }
    this.history.push({kind, body})
    if (this.history.length > TALK_PUSH_HISTORY) this.history.shift()
    ;(this.emit as (k: Kind, b: Body<Kind>) => boolean)(kind, body)
  }
}
