import {describe, expect, it} from 'vitest'
import {QrBrowser, QrPhone} from '../src/client/index.js'
import {isImhError} from '../src/protocol/index.js'
import {RedisBackend} from '../reference-server/store/redis-backend.js'
import {redisTests, warnIfNoRedis} from './support/redis.js'
import {type TwoNodes, useTwoNodes} from './support/two-nodes.js'

warnIfNoRedis('the cross-node QR login tests')

const HOLD = 2000

describe.runIf(redisTests)('QR login across two nodes sharing a Redis (PROTOCOL.md §2.5, §10)', () => {
  const nodes = useTwoNodes()
  let group: TwoNodes | undefined

  async function phone(i: 0 | 1): Promise<{phone: QrPhone; userId: string}> {
    const client = await group!.user(i, 'phone')
    return {phone: new QrPhone(group!.nodes[i].urls.qr, client.short!.token), userId: client.userId!}
  }

  it('a code made on node 1 is scanned and confirmed on node 0 while the browser polls node 1; the ticket and web session work on either node', async () => {
    group = await nodes.start({qrHoldMs: HOLD})
    const [a, b] = group.nodes
    const browser = new QrBrowser(b.urls.qr)
    const login = await browser.newLogin()
    const {phone: ph, userId} = await phone(0)
    // The poll is held on node 1 when the scan reaches node 0.
    const scanned = browser.poll(login.uuid, 0)
    await expect.poll(() => b.flows.qr.polls).toBe(1)
    const started = Date.now()
    await ph.scan(login.qrText)
    expect(await scanned).toMatchObject({code: 201})
    expect(Date.now() - started).toBeLessThan(HOLD / 2)
    const confirmed = browser.poll(login.uuid, 201)
    await expect.poll(() => b.flows.qr.polls).toBe(1)
    await ph.confirm(login.uuid)
    const done = await confirmed
    expect(done.code).toBe(200)
    // The redirect names node 1 (the browser's); redeeming the bare ticket on node 0 works too, once.
    const ticket = new URL((done as {redirectUrl: string}).redirectUrl).searchParams.get('ticket')!
    const session = await new QrBrowser(a.urls.qr).redeem(ticket)
    expect(session.userId).toBe(userId)
    const again = await browser.redeem(ticket).then(() => undefined, (e: unknown) => e)
    expect(isImhError(again) ? again.code : again).toBe('IMH_ERR_QR_TICKET_USED')
    expect((await browser.session(session.webToken)).userId).toBe(userId)
  })

  it('a uuid expires by its Redis TTL: the key goes, a poll held on the other node answers 400, a scan is refused', async () => {
    group = await nodes.start({qrHoldMs: HOLD, qrTtlSeconds: 1})
    const [a, b] = group.nodes
    const login = await new QrBrowser(a.urls.qr).newLogin()
    const backend = await new RedisBackend(nodes.redis.url).connect()
    try {
      const keys = await backend.client.keys(`*qr:${login.uuid}`)
      expect(keys).toHaveLength(1)
      const ttl = await backend.client.pttl(keys[0]!)
      expect(ttl).toBeGreaterThan(0)
      expect(ttl).toBeLessThanOrEqual(1000)
      const held = await new QrBrowser(b.urls.qr).poll(login.uuid, 0)
      expect(held.code).toBe(400)
      expect(await backend.client.exists(keys[0]!)).toBe(0)
    } finally {
      await backend.close()
    }
    const {phone: ph} = await phone(1)
    const err = await ph.scan(login.qrText).then(() => undefined, (e: unknown) => e)
    expect(isImhError(err) ? err.code : err).toBe('IMH_ERR_QR_EXPIRED')
  })
})
