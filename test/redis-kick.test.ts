import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {VirtualClient} from '../src/client/index.js'
import {LongLink} from '../src/client/long-link.js'
import {CMD} from '../src/protocol/index.js'
import {type ReferenceServer, startReferenceServer} from '../reference-server/index.js'
import {type TestRedis, redisTests, startRedis, warnIfNoRedis} from './support/redis.js'

warnIfNoRedis('the kick tests of a group on Redis')

/**
 * One link per user (PROTOCOL.md §5.5) when the nodes of a group share a Redis: two AUTHs of one
 * user at once, on one node or on two, leave exactly one link open.
 */
describe.runIf(redisTests)('kick in a group on Redis (PROTOCOL.md §5.5)', () => {
  let redis: TestRedis
  const nodes: ReferenceServer[] = []
  let token: string

  beforeAll(async () => {
    redis = await startRedis()
    for (let i = 0; i < 2; i++) nodes.push(await startReferenceServer({port: 0, redis: {url: redis.url, prefix: 'group:'}}))
    const c = new VirtualClient({resolve: {scheduler: nodes[0]!.urls.scheduler}, credentials: {username: 'twice', password: 'pw'}, register: true, heartbeat: false, autoSync: false})
    await c.start()
    token = c.short!.token!
    await c.close()
  })
  afterAll(async () => {
    for (const n of nodes) await n.close()
    await redis?.stop()
  })

  /** Opens a link to each of `urls`, AUTHs them at once and returns how many the server left open. */
  async function openAfterAuthAtOnce(urls: string[]): Promise<number> {
    const links = await Promise.all(urls.map((url) => LongLink.connect(url)))
    const closed = links.map(() => false)
    links.forEach((l, i) => l.once('close', () => (closed[i] = true)))
    await Promise.allSettled(links.map((l) => l.call(CMD.AUTH, {token})))
    // Long beyond a pub/sub delay on loopback: a kick still on its way would arrive by then.
    await new Promise((resolve) => setTimeout(resolve, 150))
    for (const l of links) l.close()
    return closed.filter((c) => !c).length
  }

  it('two AUTHs at once on one node', async () => {
    for (let i = 0; i < 5; i++) expect(await openAfterAuthAtOnce([nodes[0]!.urls.long, nodes[0]!.urls.long])).toBe(1)
  })

  it('two AUTHs at once on two nodes', async () => {
    for (let i = 0; i < 5; i++) expect(await openAfterAuthAtOnce([nodes[0]!.urls.long, nodes[1]!.urls.long])).toBe(1)
  })
})
