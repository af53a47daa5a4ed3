import {randomUUID} from 'node:crypto'
import {
  CMD, type Frame, ImhError, type LatLon, SHAKE_MAX_MATCHES, type ShakeMatchPush, type ShakeReply, byDistance,
  haversineM, parseJsonBody, parseShake,
} from '../../src/protocol/index.js'
import {profileOf} from '../core/session.js'
import type {LinkDirectory, LinkPeer} from '../long/link-peer.js'
import type {LongService} from '../long/long-service.js'
import type {Store} from '../store/store.js'
import type {ShakeBoard} from './shake-board.js'

export interface ShakeOptions {
  store: Store
  /** How long a window stays open after its first shake (announced `shakeWindowMs`). */
  windowMs: number
  /** Base URL of the media group, for avatar URLs; '' without one. */
  mediaBase: () => string
  /**
   * The windows the nodes of a group share (a Redis); none: the window lives in this process.
   * With a board, matches are pushed through `links`, to whichever node holds each shaker's link.
   */
  board?: ShakeBoard
  links?: LinkDirectory
}

/** One user's shake in a window, bound to the link it came on. */
export interface Shaker {
  shakeId: string
  userId: string
  peer: LinkPeer
  at: LatLon
}

export interface ShakeWindow {
  closesAt: number
  /** By userId: a user is in a window at most once. */
  shakers: Map<string, Shaker>
  timer: NodeJS.Timeout
}

export const SHAKE_REQUEST_CMDS: ReadonlySet<number> = new Set([CMD.SHAKE])

/**
 * Shake (PROTOCOL.md §13): the first SHAKE after a window closed opens the next one
 * for `windowMs`; when it closes every shaker still linked gets SHAKE_MATCH with the others of the
 * window, nearest first. The window lives in this process (one long-link node), or, with a
 * `board`, in the Redis the nodes of a group share.
 */
export class ShakeService implements LongService {
  readonly cmds = SHAKE_REQUEST_CMDS
  protected window: ShakeWindow | undefined
  /** The board's windows this node has a shaker in, each with the timer that closes it here. */
  private readonly boardTimers = new Map<string, NodeJS.Timeout>()

  constructor(protected readonly options: ShakeOptions) {}

  async handle(from: LinkPeer, frame: Frame, reply: (body: unknown) => void): Promise<void> {
    if (frame.cmd !== CMD.SHAKE) throw new ImhError('IMH_ERR_UNKNOWN_CMD', `cmd ${frame.cmd} is not a shake request`)
    const at = parseShake(parseJsonBody(frame.body))
    const userId = from.userId!
    const now = Date.now()
    const {windowMs, board} = this.options
    if (board) return this.shakeOnBoard(board, from, at, now, reply)
    let w = this.window
    if (!w) {
      const opened: ShakeWindow = {closesAt: now + windowMs, shakers: new Map(), timer: setTimeout(() => this.closeWindow(opened).catch(() => undefined), windowMs)}
      this.window = w = opened
    }
    // A second shake on the same link in one window moves the shaker and keeps its shakeId:
    // one SHAKE_MATCH per user per window. A shake from a newer link of the user replaces the old one.
    const previous = w.shakers.get(userId)
    const shakeId = previous?.peer.key === from.key ? previous.shakeId : randomUUID()
    w.shakers.set(userId, {shakeId, userId, peer: from, at})
    const answer: ShakeReply = {shakeId, windowMs, closesInMs: Math.max(0, Math.min(windowMs, w.closesAt - now))}
    reply(answer)
  }

  /** A closed link leaves the open window: it gets no SHAKE_MATCH and nobody is matched with it. */
  linkGone(peer: LinkPeer): void {
    const w = this.window
    if (!w || peer.userId === undefined) return
    if (w.shakers.get(peer.userId)?.peer.key === peer.key) w.shakers.delete(peer.userId)
  }

  close(): void {
    for (const timer of this.boardTimers.values()) clearTimeout(timer)
    this.boardTimers.clear()
    if (this.window) clearTimeout(this.window.timer)
    this.window = undefined
  }

  /** Who a closing window matches: its shakers (test doubles plant bugs here). */
  protected shakersOf(w: ShakeWindow): Shaker[] {
    return [...w.shakers.values()]
  }

  /** Pushes every shaker's matches; a failing profile look-up drops that window's pushes (the clients time out). */
  private async closeWindow(w: ShakeWindow): Promise<void> {
    if (this.window === w) this.window = undefined
    await this.pushMatches(this.shakersOf(w), w.shakers.values())
  }

  /**
   * A shake in the group's shared window: every node with a shaker in it sets a timer for its
   * close; the first to fire claims the window and pushes every match.
   */
  private async shakeOnBoard(board: ShakeBoard, from: LinkPeer, at: LatLon, now: number, reply: (body: unknown) => void): Promise<void> {
    const {windowMs} = this.options
    const {windowId, closesAt, shakeId} = await board.shake({userId: from.userId!, key: from.key, at}, now, windowMs)
    const answer: ShakeReply = {shakeId, windowMs, closesInMs: Math.max(0, Math.min(windowMs, closesAt - now))}
    reply(answer)
    if (this.boardTimers.has(windowId)) return
    this.boardTimers.set(windowId, setTimeout(() => {
      this.boardTimers.delete(windowId)
      this.closeOnBoard(board, windowId).catch(() => undefined)
    }, Math.max(0, closesAt - Date.now())))
  }

  /** Closes a shared window if no other node did; a shaker whose link went (or was replaced) is left out. */
  private async closeOnBoard(board: ShakeBoard, windowId: string): Promise<void> {
    const shakers = await board.claim(windowId, this.options.windowMs)
    if (!shakers || !this.options.links) return
    const links = this.options.links
    const peers = await Promise.all(shakers.map((s) => links.lookup(s.userId)))
    const live = shakers.flatMap((s, i) => (peers[i]?.key === s.key ? [{...s, peer: peers[i]!}] : []))
    await this.pushMatches(live, live)
  }

  /** Pushes to each of `recipients` its matches among `shakers`, nearest first. */
  private async pushMatches(shakers: readonly Shaker[], recipients: Iterable<Shaker>): Promise<void> {
    const mediaBase = this.options.mediaBase()
    const users = await Promise.all(shakers.map((s) => this.options.store.getUser(s.userId)))
    const profiles = new Map(users.flatMap((u) => (u ? [[u.userId, profileOf(u, mediaBase)] as const] : [])))
    for (const s of recipients) {
      const matches = shakers
        .filter((o) => o.userId !== s.userId && profiles.has(o.userId))
        .map((o) => ({userId: o.userId, distanceM: haversineM(s.at, o.at)}))
        .sort(byDistance)
        .slice(0, SHAKE_MAX_MATCHES)
        .map((m) => {
          const p = profiles.get(m.userId)!
          return {userId: m.userId, nickname: p.nickname, avatarUrl: p.avatarUrl, distanceM: m.distanceM}
        })
      const push: ShakeMatchPush = {shakeId: s.shakeId, matches}
      s.peer.push(CMD.SHAKE_MATCH, push)
    }
  }
}
