import {randomBytes} from 'node:crypto'
import {VirtualClient} from '../../src/client/virtual-client.js'
import {MemoryStore, type ReferenceServer, startReferenceServer} from '../../reference-server/index.js'

/**
 * Two reference servers in this process sharing one Redis under one prefix: a server group of two
 * nodes (PROTOCOL.md §2.5), each on port 0.
 *
 * Users and tokens: until the shared store has its Redis implementation, the nodes are given one
 * MemoryStore object (they run in one process), so that a user of one node is known to the other;
 * every flow store with a Redis implementation is in Redis.
 */
export async function startRedisGroup(url: string, flows?: readonly string[]): Promise<{
  nodes: ReferenceServer[]
  user: (node: number, name: string) => Promise<VirtualClient>
  users: (count: number, name: string) => Promise<VirtualClient[]>
  close: () => Promise<void>
}> {
  const prefix = `group-${randomBytes(4).toString('hex')}:`
  const store = new MemoryStore()
  const nodes: ReferenceServer[] = []
  const clients: VirtualClient[] = []
  for (let i = 0; i < 2; i++) nodes.push(await startReferenceServer({port: 0, store, redis: {url, prefix}, ...(flows ? {flows} : {})}))
  /** A registered, logged-in user of node `node` (its scheduler, so its short and long links). */
  const user = async (node: number, name: string): Promise<VirtualClient> => {
    // Generous timeouts: the machine running the tests may be busy; what is measured is the outcome, not the time.
    const client = new VirtualClient({
      resolve: {scheduler: nodes[node]!.urls.scheduler, schedulerTimeoutMs: 15_000}, requestTimeoutMs: 15_000,
      credentials: {username: name, password: 'pw'}, register: true, heartbeat: false,
    })
    clients.push(client)
    await client.start()
    return client
  }
  return {
    nodes,
    user,
    /** `count` users, user i of node i % 2, started a few at a time (registering hashes a password). */
    async users(count, name) {
      const out: VirtualClient[] = []
      for (let i = 0; i < count; i += 5) out.push(...(await Promise.all(Array.from({length: Math.min(5, count - i)}, (_, k) => user((i + k) % 2, `${name}${i + k}`)))))
      return out
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()))
      for (const n of nodes) await n.close()
    },
  }
}
