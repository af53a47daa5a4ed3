import {afterAll, afterEach, beforeAll} from 'vitest'
import {VirtualClient} from '../../src/client/index.js'
import {type ReferenceServer, type ReferenceServerOptions, type ServerLimits, startReferenceServer} from '../../reference-server/index.js'
import {MemoryStore} from '../../reference-server/store/memory-store.js'
import {type TestRedis, startRedis} from './redis.js'

/**
 * Two nodes of one server group in this process, sharing one Redis under one prefix (PROTOCOL.md
 * §2.5). They also share one core store instance: users and tokens are the core store's business,
 * kept in Redis elsewhere, and sharing the instance keeps these tests about the state bound to
 * links and timers.
 */
export interface TwoNodes {
  nodes: [ReferenceServer, ReferenceServer]
  /** A registered, logged-in client whose long link is on node `i`. */
  user(i: 0 | 1, name: string): Promise<VirtualClient>
  close(): Promise<void>
}

let n = 0

export async function startTwoNodes(redis: TestRedis, limits: Partial<ServerLimits> = {}, extra: Partial<ReferenceServerOptions> = {}): Promise<TwoNodes> {
  const prefix = `imh-two-${process.pid}-${n++}:`
  const store = new MemoryStore()
  const options: ReferenceServerOptions = {port: 0, limits, store, redis: {url: redis.url, prefix}, ...extra}
  const nodes: [ReferenceServer, ReferenceServer] = [await startReferenceServer(options), await startReferenceServer(options)]
  const clients: VirtualClient[] = []
  return {
    nodes,
    async user(i, name) {
      const client = new VirtualClient({resolve: {scheduler: nodes[i].urls.scheduler}, credentials: {username: `${name}${n++}`, password: 'pw'}, register: true, heartbeat: false})
      clients.push(client)
      await client.start()
      return client
    },
    async close() {
      await Promise.all(clients.splice(0).map((c) => c.close()))
      await Promise.all(nodes.map((s) => s.close()))
    },
  }
}

/**
 * In a describe block: a Redis for the block, and `start` for two nodes on it that are closed
 * after each test.
 */
export function useTwoNodes(): {start(limits?: Partial<ServerLimits>): Promise<TwoNodes>; readonly redis: TestRedis} {
  let redis: TestRedis | undefined
  let group: TwoNodes | undefined
  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(async () => {
    await redis?.stop()
  })
  afterEach(async () => {
    await group?.close()
    group = undefined
  })
  return {
    async start(limits = {}) {
      group = await startTwoNodes(redis!, limits)
      return group
    },
    get redis() {
      return redis!
    },
  }
}
