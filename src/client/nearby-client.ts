import {
  CMD, type Frame, ImhError, type LatLon, type LbsReportReply, type NearbyReply, type NearbyRequest, type ShakeMatchPush,
  type ShakeReply, parseJsonBody, parseShakeMatch,
} from '../protocol/index.js'
import type {LongLink} from './long-link.js'
import type {VirtualClient} from './virtual-client.js'

/** A shake as a client sees it: the immediate reply, then the push when its window closed. */
export interface ShakeResult {
  reply: ShakeReply
  match: ShakeMatchPush
}

/**
 * SHAKE_MATCH pushes kept for a wait that begins after its push came. A client waits for its
 * latest shake only, whose push is at most a few back; each push lists every user of the window
 * (nickname, avatar URL), so 64 of them grew a load worker's heap for half an hour of shakes
 * (bench:soak, heap snapshots two minutes apart: +1,300 names and as many URLs a minute).
 */
const HISTORY = 4

/**
 * The nearby-people and shake role of one user (PROTOCOL.md §12, §13) on top of a long link. It
 * follows one link: after VirtualClient.connect() makes a new one, make a new NearbyClient.
 */
export class NearbyClient {
  /** The latest SHAKE_MATCH pushes, oldest first, so a wait can find one that came before it began. */
  readonly matches: ShakeMatchPush[] = []
  /** Set when a SHAKE_MATCH push was off-spec; the push is dropped. */
  lastPushError: Error | undefined
  private readonly waiters = new Set<(m: ShakeMatchPush) => void>()
  private readonly onPush = (frame: Frame) => this.push(frame)

  constructor(readonly link: LongLink) {
    link.on('push', this.onPush)
  }

  /** The role of a started VirtualClient (its current long link). */
  static of(client: VirtualClient): NearbyClient {
    if (!client.link) throw new ImhError('IMH_ERR_INVALID_OPTION', 'NearbyClient.of: the client has no long link; start() it first')
    return new NearbyClient(client.link)
  }

  /** LBS_REPORT: the position stays live for the reply's expiresInMs. */
  report(at: LatLon, timeoutMs?: number): Promise<LbsReportReply> {
    return this.link.call<LbsReportReply>(CMD.LBS_REPORT, {lat: at.lat, lon: at.lon}, timeoutMs)
  }

  /** NEARBY: one page of people, nearest first. */
  nearby(request: NearbyRequest = {}, timeoutMs?: number): Promise<NearbyReply> {
    return this.link.call<NearbyReply>(CMD.NEARBY, request, timeoutMs)
  }

  /** SHAKE, then its SHAKE_MATCH; the wait for the push is the reply's closesInMs plus `matchSlackMs`. */
  async shake(at: LatLon, timeoutMs?: number, matchSlackMs = 5000): Promise<ShakeResult> {
    const reply = await this.link.call<ShakeReply>(CMD.SHAKE, {lat: at.lat, lon: at.lon}, timeoutMs)
    const match = await this.waitMatch(reply.shakeId, reply.closesInMs + matchSlackMs)
    return {reply, match}
  }

  /** The SHAKE_MATCH for `shakeId`, from history or still to come; rejects on time-out or when the link closes. */
  waitMatch(shakeId: string, timeoutMs = 10_000): Promise<ShakeMatchPush> {
    const seen = this.matches.find((m) => m.shakeId === shakeId)
    if (seen) return Promise.resolve(seen)
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer)
        this.waiters.delete(onMatch)
        this.link.off('close', onClose)
      }
      const onMatch = (m: ShakeMatchPush) => {
        if (m.shakeId !== shakeId) return
        cleanup()
        resolve(m)
      }
      const onClose = () => {
        cleanup()
        reject(new ImhError('IMH_ERR_CONNECTION_CLOSED', `link closed while waiting for SHAKE_MATCH ${shakeId}`))
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(new ImhError('IMH_ERR_TIMEOUT', `no SHAKE_MATCH for shake ${shakeId} within ${timeoutMs} ms`))
      }, timeoutMs)
      if (this.link.closed) return onClose()
      this.waiters.add(onMatch)
      this.link.on('close', onClose)
    })
  }

  /** Stops listening to the link. */
  detach(): void {
    this.link.off('push', this.onPush)
  }

  private push(frame: Frame): void {
    if (frame.cmd !== CMD.SHAKE_MATCH) return
    let match: ShakeMatchPush
    try {
      match = parseShakeMatch(parseJsonBody(frame.body))
    } catch (err) {
      this.lastPushError = err as Error
      return
    }
    this.matches.push(match)
    if (this.matches.length > HISTORY) this.matches.shift()
    for (const w of [...this.waiters]) w(match)
  }
}
