import {randomBytes} from 'node:crypto'
import {ImhError} from '../../src/protocol/index.js'
import type {QrClock} from './qr-clock.js'

export interface QrWebSession {
  userId: string
  webToken: string
  expiresIn: number
}

interface Expiring {
  userId: string
  expiresAt: number
  used?: boolean
}

/**
 * What a confirmed QR login grants (PROTOCOL.md §10.5): a one-time ticket, then a web session of
 * its own, apart from the phone's token. Each map is in expiry order (one lifetime each), so a
 * sweep stops at the first live entry, and sessions are capped by dropping the oldest.
 */
export class QrTickets {
  private readonly tickets = new Map<string, Expiring>()
  private readonly sessions = new Map<string, Expiring>()

  constructor(
    private readonly clock: QrClock,
    private readonly ticketTtlMs: number,
    readonly sessionTtlSeconds: number,
    private readonly maxSessions: number,
  ) {}

  /** A random 128-bit ticket for the user, valid once within the ticket lifetime. */
  issue(userId: string): string {
    const ticket = randomBytes(16).toString('base64url')
    this.tickets.set(ticket, {userId, expiresAt: this.clock.now() + this.ticketTtlMs})
    return ticket
  }

  redeem(ticket: string): QrWebSession {
    this.sweep()
    const t = this.tickets.get(ticket)
    if (!t) throw new ImhError('IMH_ERR_QR_TICKET_INVALID')
    if (t.used) throw new ImhError('IMH_ERR_QR_TICKET_USED')
    // Kept, marked, until it lapses: a second use is told apart from a forged ticket.
    t.used = true
    if (this.sessions.size >= this.maxSessions) this.sessions.delete(this.sessions.keys().next().value!)
    const webToken = randomBytes(24).toString('base64url')
    this.sessions.set(webToken, {userId: t.userId, expiresAt: this.clock.now() + this.sessionTtlSeconds * 1000})
    return {userId: t.userId, webToken, expiresIn: this.sessionTtlSeconds}
  }

  /** The user of a web token, or undefined when unknown or expired. */
  session(webToken: string): string | undefined {
    const s = this.sessions.get(webToken)
    return s && s.expiresAt > this.clock.now() ? s.userId : undefined
  }

  sweep(): void {
    const now = this.clock.now()
    for (const map of [this.tickets, this.sessions]) {
      for (const [key, entry] of map) {
        if (entry.expiresAt > now) break
        map.delete(key)
      }
    }
  }
}
