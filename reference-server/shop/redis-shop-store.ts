import type {RedisBackend} from '../store/redis-backend.js'
import {type RedisScript, redisScript} from '../store/redis-script.js'
import {
  type ChangeResult, DEFAULT_ORDER_RETENTION_MS, type MemoryShopStoreOptions, type NewListing, type NewOrder, type NewPayment,
  type PayResult, type PlaceResult, type ShopStore, type StoredOrder, type StoredPayment, type StoredProduct,
} from './shop-store.js'

/** What Redis keeps of a settled order beyond its retention, in case no step sweeps it: keys expire by themselves. */
const EXPIRY_MARGIN_MS = 60_000

// Every step of the shop is this one script, run with an op name: each checks and changes the
// product, the order, its keys and its payment with no other node's step in between, which is what
// keeps "never oversell" and "charge exactly once" (§17.4, §17.5) true across the nodes of a group.
// Like the memory store, each step first expires the orders due by `now` and forgets those settled
// `retention` ago. ARGV: key prefix, op, now, retention, then the op's arguments. Keys are built
// from the prefix (one Redis, no cluster): an order's keys are known only once it is read.
const SHOP = `
local P, op, now, retention = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local A = {select(5, unpack(ARGV))}
local keep = retention + ${EXPIRY_MARGIN_MS}

local function order(id) return redis.call('HGETALL', P .. 'o:' .. id) end

local function settle(id, at)
  redis.call('ZADD', P .. 'settled', at, id)
  local o = P .. 'o:' .. id
  local k = redis.call('HMGET', o, 'okey', 'pkey', 'paymentId')
  redis.call('PEXPIRE', o, keep)
  if k[1] then redis.call('PEXPIRE', k[1], keep) end
  if k[2] then redis.call('PEXPIRE', k[2], keep) end
  if k[3] then redis.call('PEXPIRE', P .. 'pay:' .. k[3], keep) end
end

local function release(id, to, at)
  local o = P .. 'o:' .. id
  redis.call('HSET', o, 'state', to)
  redis.call('ZREM', P .. 'expiring', id)
  local f = redis.call('HMGET', o, 'productId', 'quantity')
  local p = P .. 'p:' .. f[1]
  if redis.call('EXISTS', p) == 1 then redis.call('HINCRBY', p, 'available', f[2]) end
  settle(id, at)
end

local function forget(id)
  local o = P .. 'o:' .. id
  local k = redis.call('HMGET', o, 'okey', 'pkey', 'paymentId')
  redis.call('DEL', o)
  if k[1] then redis.call('DEL', k[1]) end
  if k[2] then redis.call('DEL', k[2]) end
  if k[3] then redis.call('DEL', P .. 'pay:' .. k[3]) end
end

local function sweep()
  local n = 0
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', P .. 'expiring', '-inf', now)) do
    local f = redis.call('HMGET', P .. 'o:' .. id, 'state', 'expiresAt')
    if f[1] == 'created' then
      release(id, 'expired', tonumber(f[2]))
      n = n + 1
    else
      redis.call('ZREM', P .. 'expiring', id)
    end
  end
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', P .. 'settled', '-inf', now - retention)) do
    redis.call('ZREM', P .. 'settled', id)
    forget(id)
  end
  return n
end

if op == 'add' then
  local id = 'p' .. redis.call('HINCRBY', P .. 'next', 'product', 1)
  redis.call('HSET', P .. 'p:' .. id, 'productId', id, 'seller', A[1], 'title', A[2], 'priceCents', A[3], 'stock', A[4], 'available', A[4], 'createTime', now)
  if A[5] ~= '' then redis.call('HSET', P .. 'p:' .. id, 'mediaId', A[5]) end
  redis.call('ZADD', P .. 'newest', redis.call('HGET', P .. 'next', 'product'), id)
  return redis.call('HGETALL', P .. 'p:' .. id)
end

local swept = sweep()
if op == 'expire' then return swept end
if op == 'product' then return redis.call('HGETALL', P .. 'p:' .. A[1]) end
if op == 'catalogue' then
  local out = {}
  for i, id in ipairs(redis.call('ZREVRANGE', P .. 'newest', 0, tonumber(A[1]) - 1)) do out[i] = redis.call('HGETALL', P .. 'p:' .. id) end
  return out
end
if op == 'order' then return {'', '', order(A[1])} end

if op == 'place' then
  local buyer, pid, q, ttl = A[1], A[2], tonumber(A[3]), tonumber(A[5])
  local okey = P .. 'okey:' .. buyer .. '\\n' .. A[4]
  local seen = redis.call('HMGET', okey, 'orderId', 'productId', 'quantity')
  if seen[1] then
    if seen[2] ~= pid or tonumber(seen[3]) ~= q then return {'key-mismatch'} end
    return {'created', '1', order(seen[1])}
  end
  local p = P .. 'p:' .. pid
  local f = redis.call('HMGET', p, 'available', 'priceCents', 'seller')
  if not f[1] then return {'unknown-product'} end
  if tonumber(f[1]) < q then return {'sold-out'} end
  redis.call('HINCRBY', p, 'available', -q)
  local id = 'o' .. redis.call('HINCRBY', P .. 'next', 'order', 1)
  redis.call('HSET', P .. 'o:' .. id, 'orderId', id, 'productId', pid, 'buyer', buyer, 'seller', f[3], 'quantity', q,
    'amountCents', tonumber(f[2]) * q, 'state', 'created', 'createTime', now, 'expiresAt', now + ttl, 'okey', okey)
  redis.call('HSET', okey, 'orderId', id, 'productId', pid, 'quantity', q)
  redis.call('ZADD', P .. 'expiring', now + ttl, id)
  return {'created', '0', order(id)}
end

if op == 'pay' then
  local buyer, id = A[1], A[2]
  local pkey = P .. 'pkey:' .. buyer .. '\\n' .. A[3]
  local o = P .. 'o:' .. id
  local first = redis.call('GET', pkey)
  if first then
    local payment = redis.call('HGETALL', P .. 'pay:' .. first)
    if redis.call('HGET', P .. 'pay:' .. first, 'orderId') ~= id then return {'key-mismatch'} end
    return {'paid', '1', order(id), payment}
  end
  local f = redis.call('HMGET', o, 'buyer', 'state', 'amountCents')
  if f[1] ~= buyer then return {'not-found'} end
  if f[2] == 'expired' then return {'expired'} end
  if f[2] ~= 'created' then return {'state', '', order(id)} end
  local pay = 'pay' .. redis.call('HINCRBY', P .. 'next', 'payment', 1)
  redis.call('HSET', P .. 'pay:' .. pay, 'paymentId', pay, 'orderId', id, 'amountCents', f[3], 'payTime', now)
  redis.call('SET', pkey, pay)
  redis.call('HSET', o, 'pkey', pkey, 'state', 'paid', 'paymentId', pay)
  redis.call('ZREM', P .. 'expiring', id)
  settle(id, now)
  return {'paid', '0', order(id), redis.call('HGETALL', P .. 'pay:' .. pay)}
end

local id = A[2]
local f = redis.call('HMGET', P .. 'o:' .. id, op == 'cancel' and 'buyer' or 'seller', 'state')
if f[1] ~= A[1] then return {'not-found'} end
if op == 'cancel' then
  if f[2] == 'expired' then return {'expired'} end
  if f[2] == 'created' then release(id, 'cancelled', now) end
  return {redis.call('HGET', P .. 'o:' .. id, 'state') == 'cancelled' and 'ok' or 'state', '', order(id)}
end
if op == 'ship' then
  if f[2] == 'paid' then redis.call('HSET', P .. 'o:' .. id, 'state', 'shipped') end
  return {redis.call('HGET', P .. 'o:' .. id, 'state') == 'shipped' and 'ok' or 'state', '', order(id)}
end
return redis.error_reply('unknown shop op ' .. op)
`

type Flat = string[]
type Reply = [status: string, replay?: string, order?: Flat, payment?: Flat]

function record(flat: Flat): Record<string, string> {
  const r: Record<string, string> = {}
  for (let i = 0; i + 1 < flat.length; i += 2) r[flat[i]!] = flat[i + 1]!
  return r
}

function productOf(flat: Flat): StoredProduct | undefined {
  if (flat.length === 0) return undefined
  const h = record(flat)
  const p: StoredProduct = {
    productId: h.productId!, seller: h.seller!, title: h.title!, priceCents: Number(h.priceCents), stock: Number(h.stock), available: Number(h.available), createTime: Number(h.createTime),
  }
  if (h.mediaId !== undefined) p.mediaId = h.mediaId
  return p
}

function orderOf(flat: Flat): StoredOrder {
  const h = record(flat)
  const o: StoredOrder = {
    orderId: h.orderId!, productId: h.productId!, buyer: h.buyer!, seller: h.seller!, quantity: Number(h.quantity), amountCents: Number(h.amountCents),
    state: h.state as StoredOrder['state'], createTime: Number(h.createTime), expiresAt: Number(h.expiresAt),
  }
  if (h.paymentId !== undefined) o.paymentId = h.paymentId
  return o
}

function paymentOf(flat: Flat): StoredPayment {
  const h = record(flat)
  return {paymentId: h.paymentId!, orderId: h.orderId!, amountCents: Number(h.amountCents), payTime: Number(h.payTime)}
}

/**
 * The shop in the group's Redis (PROTOCOL.md §2.5, §17): products, orders, payments and
 * idempotency keys as hashes, created orders in a sorted set by `expiresAt`, settled ones by when
 * they settled. Every method is one run of one script, so that two nodes selling the last unit
 * sell it once. A settled order, its payment and its keys are forgotten `retentionMs` after it
 * settled, as in memory, and expire by themselves shortly after in case no step sweeps them.
 */
export class RedisShopStore implements ShopStore {
  private readonly retentionMs: number
  private readonly script: RedisScript

  constructor(private readonly redis: RedisBackend, o: MemoryShopStoreOptions = {}) {
    this.retentionMs = o.retentionMs ?? DEFAULT_ORDER_RETENTION_MS
    this.script = redisScript(redis.client, SHOP)
  }

  private run(op: string, now: number, ...args: Array<string | number>): Promise<unknown> {
    return this.script([], [this.redis.key('shop', ''), op, now, this.retentionMs, ...args])
  }

  async addProduct(l: NewListing, now: number): Promise<StoredProduct> {
    return productOf((await this.run('add', now, l.seller, l.title, l.priceCents, l.stock, l.mediaId ?? '')) as Flat)!
  }

  async getProduct(productId: string, now: number): Promise<StoredProduct | undefined> {
    return productOf((await this.run('product', now, productId)) as Flat)
  }

  async catalogue(limit: number, now: number): Promise<StoredProduct[]> {
    if (limit <= 0) return []
    return ((await this.run('catalogue', now, limit)) as Flat[]).map((flat) => productOf(flat)!)
  }

  async placeOrder(o: NewOrder, now: number, ttlMs: number): Promise<PlaceResult> {
    const [status, replay, order] = (await this.run('place', now, o.buyer, o.productId, o.quantity, o.idempotencyKey, ttlMs)) as Reply
    if (status === 'created') return {status, order: orderOf(order!), replay: replay === '1'}
    return {status: status as 'sold-out' | 'unknown-product' | 'key-mismatch'}
  }

  async getOrder(orderId: string, now: number): Promise<StoredOrder | undefined> {
    const [, , order] = (await this.run('order', now, orderId)) as Reply
    return order!.length > 0 ? orderOf(order!) : undefined
  }

  async pay(req: NewPayment, now: number): Promise<PayResult> {
    const [status, replay, order, payment] = (await this.run('pay', now, req.buyer, req.orderId, req.idempotencyKey)) as Reply
    if (status === 'paid') return {status, payment: paymentOf(payment!), order: orderOf(order!), replay: replay === '1'}
    if (status === 'state') return {status, order: orderOf(order!)}
    return {status: status as 'not-found' | 'expired' | 'key-mismatch'}
  }

  async cancel(buyer: string, orderId: string, now: number): Promise<ChangeResult> {
    return this.changed((await this.run('cancel', now, buyer, orderId)) as Reply)
  }

  async ship(seller: string, orderId: string, now: number): Promise<ChangeResult> {
    return this.changed((await this.run('ship', now, seller, orderId)) as Reply)
  }

  async expireDue(now: number): Promise<number> {
    return Number(await this.run('expire', now))
  }

  /** Orders and idempotency keys held now (what the retention bounds), counted by a scan: for tests. */
  async size(): Promise<{orders: number; keys: number}> {
    const count = async (pattern: string): Promise<number> => {
      let n = 0
      for await (const keys of this.redis.client.scanStream({match: this.redis.key('shop', pattern), count: 1000})) n += (keys as string[]).length
      return n
    }
    return {orders: await count('o:*'), keys: (await count('okey:*')) + (await count('pkey:*'))}
  }

  private changed([status, , order]: Reply): ChangeResult {
    if (status === 'ok' || status === 'state') return {status, order: orderOf(order!)}
    return {status: status as 'not-found' | 'expired'}
  }
}
