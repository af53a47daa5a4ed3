import type {QrState} from '../../src/protocol/index.js'
import type {QrWebSession} from './qr-tickets.js'

/** What a poll learns; the HTTP layer turns `userId` and `ticket` into avatar, nickname and redirect URL. */
export type QrView = {code: 408 | 202 | 400} | {code: 201; userId: string} | {code: 200; userId: string; ticket: string}

/**
 * The QR-login state of PROTOCOL.md §10 as the qr group's routes use it: in this process
 * (QrLogins, qr-state.ts) or in the Redis the nodes of a group share (RedisQrLogins), so that a
 * phone's scan on one node answers a browser's poll held on another. Methods of the in-memory one
 * answer at once, the Redis one's through a promise: callers await every answer.
 */
export interface QrLoginStore {
  readonly ttlSeconds: number
  readonly holdMs: number
  /** Long polls this node holds. */
  readonly pendingPolls: number
  create(): {uuid: string; expiresAt: number} | Promise<{uuid: string; expiresAt: number}>
  state(uuid: string): QrState | Promise<QrState>
  scan(uuid: string, userId: string): void | Promise<void>
  confirm(uuid: string, userId: string): string | Promise<string>
  cancel(uuid: string, userId: string): void | Promise<void>
  waitForChange(uuid: string, last: number, holdMs?: number, signal?: AbortSignal): Promise<QrView>
  redeemTicket(ticket: string): QrWebSession | Promise<QrWebSession>
  session(webToken: string): string | undefined | Promise<string | undefined>
  /** Releases every held poll (408) and stops timers. */
  close(): void
}
