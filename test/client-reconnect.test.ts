import {afterEach, describe, expect, it} from 'vitest'
import {type ReconnectInfo, VirtualClient} from '../src/client/index.js'
import type {ChatMessage} from '../src/protocol/index.js'
import {startReferenceServer} from '../reference-server/index.js'

const closers: (() => unknown)[] = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
})

const RECONNECT = {baseMs: 50, capMs: 200, attempts: 6}

async function pair() {
  const s = await startReferenceServer()
  let open = true
  closers.push(() => open && s.close())
  const close = async () => {
    open = false
    await s.close()
  }
  const resolved = {groups: s.groups, sources: {}, errors: []}
  const make = (username: string, reconnect = true) => {
    const c = new VirtualClient({resolved, credentials: {username, password: 'pw'}, register: true, heartbeat: false, ...(reconnect ? {reconnect: RECONNECT} : {})})
    closers.push(() => c.close())
    return c
  }
  return {close, make}
}

function until(test: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  return new Promise((resolve, reject) => {
    const poll = () => (test() ? resolve() : Date.now() > end ? reject(new Error('timed out')) : setTimeout(poll, 10))
    poll()
  })
}

describe('VirtualClient reconnection (VirtualClientOptions.reconnect)', () => {
  it('wins a lost link back with the same token and pulls what arrived while away, each message once', async () => {
    const {make} = await pair()
    const a = make('rc-a')
    const b = make('rc-b', false)
    await a.start()
    await b.start()
    const got: ChatMessage[] = []
    a.on('message', (m) => got.push(m))
    const back: ReconnectInfo[] = []
    a.on('reconnected', (info) => back.push(info))
    await b.sendText(a.userId!, 'before', 'm0')
    await until(() => got.length === 1)
    // The link dies under the client (as when its node is killed): no close frame. The event, not
    // a poll of a.reconnecting: a try with a jitter near 0 ms can be back before a 10 ms poll looks.
    const away = new Promise((r) => a.once('reconnecting', r))
    a.link!.terminate()
    await away
    for (let i = 1; i <= 5; i++) await b.sendText(a.userId!, `away ${i}`, `m${i}`)
    await until(() => back.length === 1)
    await until(() => got.length === 6)
    expect(got.map((m) => m.content)).toEqual(['before', 'away 1', 'away 2', 'away 3', 'away 4', 'away 5'])
    expect(back[0]!.attempts).toBeGreaterThanOrEqual(1)
    expect(back[0]!.reconnectMs).toBeGreaterThanOrEqual(0)
    expect(a.reconnecting).toBe(false)
    // Linked again: a new message arrives by notify and pull.
    await b.sendText(a.userId!, 'after', 'm6')
    await until(() => got.length === 7)
  })

  it('does not come back after a kick (a newer login of the same user), nor after close()', async () => {
    const {make} = await pair()
    const a = make('rc-kick')
    await a.start()
    const tries: number[] = []
    a.on('reconnecting', (n) => tries.push(n))
    const closed = new Promise((r) => a.once('close', r))
    const again = make('rc-kick', false)
    await again.start()
    await closed
    await new Promise((r) => setTimeout(r, 300))
    expect(tries).toEqual([])
    const c = make('rc-close')
    await c.start()
    c.on('reconnecting', (n) => tries.push(n))
    await c.close()
    await new Promise((r) => setTimeout(r, 300))
    expect(tries).toEqual([])
  })

  it('gives up after its tries when no node answers, and says so', async () => {
    const {close, make} = await pair()
    const a = make('rc-gone')
    await a.start()
    const failed = new Promise<Error>((r) => a.once('reconnect-failed', r))
    const tries: number[] = []
    a.on('reconnecting', (n) => tries.push(n))
    await close()
    const err = await failed
    expect(tries).toEqual([1, 2, 3, 4, 5, 6])
    expect(err).toBeInstanceOf(Error)
  })
})
