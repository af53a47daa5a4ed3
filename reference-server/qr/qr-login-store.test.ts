import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type ErrorCode, isImhError} from '../../src/protocol/index.js'
import {type TestRedis, redisTests, startRedis, warnIfNoRedis} from '../../test/support/redis.js'
import {RedisBackend} from '../store/redis-backend.js'
import type {QrLoginStore} from './qr-login-store.js'
import {QrLogins} from './qr-state.js'
import {RedisQrLogins} from './redis-qr-logins.js'

warnIfNoRedis('the Redis QR login store tests')

/** `f` refuses with `code`, thrown at once (in memory) or through its promise (Redis). */
async function refused(f: () => unknown, code: ErrorCode): Promise<void> {
  const err = await Promise.resolve().then(f).then(() => undefined, (e: unknown) => e)
  expect(isImhError(err) ? err.code : err).toBe(code)
}

/** The one suite every QrLoginStore passes; `make` gives a store capped at two live uuids. */
function qrStoreSuite(make: () => Promise<{store: QrLoginStore; done(): Promise<void>}>): void {
  it('scans, confirms, issues a one-time ticket and a web session; refuses other users and wrong states; caps live uuids', async () => {
    const {store, done} = await make()
    try {
      const {uuid} = await store.create()
      expect(await store.state(uuid)).toBe('waiting')
      await refused(() => store.confirm(uuid, 'u1'), 'IMH_ERR_QR_NOT_SCANNED')
      await store.scan(uuid, 'u1')
      await store.scan(uuid, 'u1')
      await refused(() => store.scan(uuid, 'u2'), 'IMH_ERR_QR_STATE')
      await refused(() => store.confirm(uuid, 'u2'), 'IMH_ERR_QR_WRONG_USER')
      expect(await store.waitForChange(uuid, 0, 1000)).toEqual({code: 201, userId: 'u1'})
      const ticket = await store.confirm(uuid, 'u1')
      expect(await store.state(uuid)).toBe('confirmed')
      expect(await store.waitForChange(uuid, 201, 1000)).toEqual({code: 200, userId: 'u1', ticket})
      await refused(() => store.cancel(uuid, 'u1'), 'IMH_ERR_QR_STATE')
      const session = await store.redeemTicket(ticket)
      expect(session.userId).toBe('u1')
      expect(await store.session(session.webToken)).toBe('u1')
      expect(await store.session('nope')).toBeUndefined()
      await refused(() => store.redeemTicket(ticket), 'IMH_ERR_QR_TICKET_USED')
      await refused(() => store.redeemTicket('forged'), 'IMH_ERR_QR_TICKET_INVALID')
      await refused(() => store.scan('never-made-uuid-000000', 'u1'), 'IMH_ERR_QR_EXPIRED')
      expect(await store.state('never-made-uuid-000000')).toBe('expired')

      const other = await store.create()
      const held = store.waitForChange(other.uuid, 0, 2000)
      await store.scan(other.uuid, 'u2')
      expect(await held).toEqual({code: 201, userId: 'u2'})
      await store.cancel(other.uuid, 'u2')
      expect(await store.waitForChange(other.uuid, 201, 1000)).toEqual({code: 202})
      await refused(() => store.create(), 'IMH_ERR_QR_BUSY')
      expect(store.pendingPolls).toBe(0)
    } finally {
      await done()
    }
  })
}

describe('QrLogins as a QrLoginStore', () => {
  qrStoreSuite(async () => {
    const store = new QrLogins({maxLogins: 2})
    return {store, done: async () => store.close()}
  })
})

describe.runIf(redisTests)('RedisQrLogins', () => {
  let redis: TestRedis
  let n = 0
  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(async () => {
    await redis?.stop()
  })

  qrStoreSuite(async () => {
    const backend = await new RedisBackend(redis.url, `qr-${n++}:`).connect()
    const store = new RedisQrLogins(backend, {maxLogins: 2})
    await store.ready()
    return {store, done: async () => (store.close(), await backend.close())}
  })
})
