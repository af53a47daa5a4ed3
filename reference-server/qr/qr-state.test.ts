import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'
import {type ErrorCode, QR_UUID_PATTERN, isImhError} from '../../src/protocol/index.js'
import {QrLogins, type QrLoginsOptions} from './qr-state.js'

function expectCode(fn: () => unknown, code: ErrorCode): void {
  try {
    fn()
    expect.unreachable(`expected ${code}`)
  } catch (err) {
    expect(isImhError(err, code), String(err)).toBe(true)
  }
}

describe('QrLogins', () => {
  let logins: QrLogins
  const make = (o: QrLoginsOptions = {}) => (logins = new QrLogins({ttlSeconds: 10, holdMs: 1000, ...o}))

  beforeEach(() => {
    vi.useFakeTimers()
    make()
  })
  afterEach(() => {
    logins.close()
    vi.useRealTimers()
  })

  it('creates 128-bit base64url uuids that start waiting', () => {
    const {uuid, expiresAt} = logins.create()
    expect(uuid).toMatch(QR_UUID_PATTERN)
    expect(uuid).toHaveLength(22)
    expect(expiresAt).toBe(Date.now() + 10_000)
    expect(logins.state(uuid)).toBe('waiting')
    expect(logins.state('never-issued-never-issued')).toBe('expired')
  })

  it('walks waiting → scanned → confirmed, one scanner only', () => {
    const {uuid} = logins.create()
    expectCode(() => logins.confirm(uuid, 'u1'), 'IMH_ERR_QR_NOT_SCANNED')
    expectCode(() => logins.cancel(uuid, 'u1'), 'IMH_ERR_QR_NOT_SCANNED')
    logins.scan(uuid, 'u1')
    logins.scan(uuid, 'u1') // the same user again: as the first time
    expect(logins.state(uuid)).toBe('scanned')
    expectCode(() => logins.scan(uuid, 'u2'), 'IMH_ERR_QR_STATE')
    expectCode(() => logins.confirm(uuid, 'u2'), 'IMH_ERR_QR_WRONG_USER')
    expect(logins.state(uuid)).toBe('scanned')
    expect(logins.confirm(uuid, 'u1')).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(logins.state(uuid)).toBe('confirmed')
    expectCode(() => logins.confirm(uuid, 'u1'), 'IMH_ERR_QR_STATE')
    expectCode(() => logins.cancel(uuid, 'u1'), 'IMH_ERR_QR_STATE')
    expectCode(() => logins.scan(uuid, 'u1'), 'IMH_ERR_QR_STATE')
  })

  it('cancels, after which nothing else is allowed', () => {
    const {uuid} = logins.create()
    logins.scan(uuid, 'u1')
    logins.cancel(uuid, 'u1')
    expect(logins.state(uuid)).toBe('cancelled')
    expectCode(() => logins.confirm(uuid, 'u1'), 'IMH_ERR_QR_STATE')
  })

  it('expires after the TTL: every operation then sees an unknown uuid', () => {
    const {uuid} = logins.create()
    logins.scan(uuid, 'u1')
    vi.advanceTimersByTime(10_000)
    expect(logins.state(uuid)).toBe('expired')
    expectCode(() => logins.scan(uuid, 'u1'), 'IMH_ERR_QR_EXPIRED')
    expectCode(() => logins.confirm(uuid, 'u1'), 'IMH_ERR_QR_EXPIRED')
    expectCode(() => logins.confirm('unknown-unknown-unknown', 'u1'), 'IMH_ERR_QR_EXPIRED')
  })

  it('answers a poll at once when the code differs from last, else holds then 408', async () => {
    const {uuid} = logins.create()
    const held = logins.waitForChange(uuid, 0)
    expect(logins.pendingPolls).toBe(1)
    vi.advanceTimersByTime(999)
    let done = false
    void held.then(() => (done = true))
    await Promise.resolve()
    expect(done).toBe(false)
    vi.advanceTimersByTime(1)
    expect(await held).toEqual({code: 408})
    expect(logins.pendingPolls).toBe(0)

    logins.scan(uuid, 'u1')
    expect(await logins.waitForChange(uuid, 408)).toEqual({code: 201, userId: 'u1'})
    const again = logins.waitForChange(uuid, 201, 500)
    vi.advanceTimersByTime(500)
    expect(await again).toEqual({code: 408})
  })

  it('releases every pending poll on a transition', async () => {
    const {uuid} = logins.create()
    const polls = [logins.waitForChange(uuid, 0), logins.waitForChange(uuid, 408)]
    logins.scan(uuid, 'u1')
    expect(await Promise.all(polls)).toEqual([{code: 201, userId: 'u1'}, {code: 201, userId: 'u1'}])
    const confirmed = logins.waitForChange(uuid, 201)
    const ticket = logins.confirm(uuid, 'u1')
    expect(await confirmed).toEqual({code: 200, userId: 'u1', ticket})
    // A confirmed uuid keeps answering the same ticket.
    expect(await logins.waitForChange(uuid, 0)).toEqual({code: 200, userId: 'u1', ticket})
    expect(logins.pendingPolls).toBe(0)
  })

  it('answers 400 to pending polls when the uuid expires, and to unknown uuids at once', async () => {
    const {uuid} = logins.create()
    vi.advanceTimersByTime(9_500)
    const poll = logins.waitForChange(uuid, 0)
    vi.advanceTimersByTime(500)
    expect(await poll).toEqual({code: 400})
    expect(logins.pendingPolls).toBe(0)
    expect(await logins.waitForChange(uuid, 0)).toEqual({code: 400})
    expect(await logins.waitForChange('nope', 0)).toEqual({code: 400})
  })

  it('frees a poll whose signal aborts', async () => {
    const {uuid} = logins.create()
    const ac = new AbortController()
    const poll = logins.waitForChange(uuid, 0, 1000, ac.signal)
    expect(logins.pendingPolls).toBe(1)
    ac.abort()
    expect(await poll).toEqual({code: 408})
    expect(logins.pendingPolls).toBe(0)
    expect(vi.getTimerCount()).toBe(1) // only the sweeper is left
  })

  it('redeems a ticket once into a web session', () => {
    const {uuid} = logins.create()
    logins.scan(uuid, 'u1')
    const ticket = logins.confirm(uuid, 'u1')
    const s = logins.redeemTicket(ticket)
    expect(s).toMatchObject({userId: 'u1', expiresIn: 86_400})
    expect(logins.session(s.webToken)).toBe('u1')
    expectCode(() => logins.redeemTicket(ticket), 'IMH_ERR_QR_TICKET_USED')
    expectCode(() => logins.redeemTicket('forged'), 'IMH_ERR_QR_TICKET_INVALID')
    expect(logins.session('forged')).toBeUndefined()
    vi.advanceTimersByTime(86_400_000)
    expect(logins.session(s.webToken)).toBeUndefined()
  })

  it('an unredeemed ticket lapses after the TTL', () => {
    const {uuid} = logins.create()
    logins.scan(uuid, 'u1')
    const ticket = logins.confirm(uuid, 'u1')
    vi.advanceTimersByTime(10_000)
    expectCode(() => logins.redeemTicket(ticket), 'IMH_ERR_QR_TICKET_INVALID')
  })

  it('keeps memory bounded: caps live uuids and sweeps expired ones', () => {
    logins.close()
    make({maxLogins: 3, sweepMs: 1000, maxSessions: 1})
    for (let i = 0; i < 3; i++) logins.create()
    expectCode(() => logins.create(), 'IMH_ERR_QR_BUSY')
    vi.advanceTimersByTime(10_000)
    expect(logins.size).toBe(0) // the periodic sweep dropped them
    const {uuid} = logins.create()
    expect(logins.size).toBe(1)
    logins.scan(uuid, 'u1')
    const first = logins.redeemTicket(logins.confirm(uuid, 'u1'))
    const second = logins.create().uuid
    logins.scan(second, 'u2')
    const next = logins.redeemTicket(logins.confirm(second, 'u2'))
    expect(logins.session(first.webToken)).toBeUndefined() // the oldest session made room
    expect(logins.session(next.webToken)).toBe('u2')
  })

  it('works with an injected clock and timers', async () => {
    logins.close()
    let now = 1_000
    const due: Array<{at: number; fn: () => void}> = []
    make({
      clock: {now: () => now},
      timers: {setTimeout: (fn, ms) => due.push({at: now + ms, fn}), clearTimeout: () => {}},
    })
    const {uuid, expiresAt} = logins.create()
    expect(expiresAt).toBe(11_000)
    const poll = logins.waitForChange(uuid, 0)
    now = 2_000
    for (const t of due.filter((t) => t.at <= now)) t.fn()
    expect(await poll).toEqual({code: 408})
    now = 11_000
    expect(logins.state(uuid)).toBe('expired')
  })
})
