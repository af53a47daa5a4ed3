import {randomBytes} from 'node:crypto'
import {VirtualClient} from '../../src/client/virtual-client.js'
import {type ReferenceServer, type ReferenceServerOptions, startReferenceServer} from '../../reference-server/index.js'

/** Two nodes of one server group in this process, and clients placed on either on purpose. */
export interface RedisGroup {
  nodes: [ReferenceServer, ReferenceServer]
  /** A registered, logged-in client whose short and long links are on node `node`. */
  user(node: number, name: string): Promise<VirtualClient>
  /** `count` users, user i on node i % 2, started a few at a time (registering hashes a password). */
  users(count: number, name: string): Promise<VirtualClient[]>
  close(): Promise<void>
}

/**
 * Two reference servers in this process sharing one Redis under a fresh prefix: a server group of
 * two nodes (PROTOCOL.md §2.5), each on port 0, every store in Redis. A client is given its node's
 * own addresses instead of a scheduler's answer, because a scheduler spreads clients over both
 * nodes and these tests put the parties on different nodes on purpose.
 */
export async function startRedisGroup(url: string, options: Partial<ReferenceServerOptions> = {}): Promise<RedisGroup> {
  const prefix = `group-${randomBytes(4).toString('hex')}:`
  const nodes: ReferenceServer[] = []
  const clients: VirtualClient[] = []
  for (let i = 0; i < 2; i++) nodes.push(await startReferenceServer({port: 0, ...options, redis: {url, prefix}}))
  const user = async (node: number, name: string): Promise<VirtualClient> => {
    // Generous timeouts: the machine running the tests may be busy; what is measured is the outcome, not the time.
    const client = new VirtualClient({
      resolved: {groups: nodes[node]!.groups, sources: {}, errors: []}, requestTimeoutMs: 15_000,
      credentials: {username: name, password: 'pw'}, register: true, heartbeat: false,
    })
    clients.push(client)
    await client.start()
    return client
  }
  return {
    nodes: nodes as [ReferenceServer, ReferenceServer],
    user,
    async users(count, name) {
      const out: VirtualClient[] = []
      for (let i = 0; i < count; i += 5) out.push(...(await Promise.all(Array.from({length: Math.min(5, count - i)}, (_, k) => user((i + k) % 2, `${name}${i + k}`)))))
      return out
    },
    async close() {
      await Promise.all(clients.splice(0).map((c) => c.close()))
      for (const n of nodes) await n.close()
    },
  }
}
