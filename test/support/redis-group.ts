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
export async function startRedisGroup(url: string, flows?: readonly string[]): Promise<{nodes: ReferenceServer[]; user: (node: number, name: string) => Promise<VirtualClient>; close: () => Promise<void>}> {
  const prefix = `group-${randomBytes(4).toString('hex')}:`
  const store = new MemoryStore()
  const nodes: ReferenceServer[] = []
  const clients: VirtualClient[] = []
  for (let i = 0; i < 2; i++) nodes.push(await startReferenceServer({port: 0, store, redis: {url, prefix}, ...(flows ? {flows} : {})}))
  return {
    nodes,
    /** A registered, logged-in user of node `node` (its scheduler, so its short and long links). */
    async user(node, name) {
      const client = new VirtualClient({resolve: {scheduler: nodes[node]!.urls.scheduler}, credentials: {username: name, password: 'pw'}, register: true, heartbeat: false})
      clients.push(client)
      await client.start()
      return client
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()))
      for (const n of nodes) await n.close()
    },
  }
}
