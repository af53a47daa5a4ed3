import type {Redis} from 'ioredis'
import {ImhError} from '../../protocol/index.js'
import {type AgentInfo, parseAgentInfo} from './agent-info.js'
import {CLAIM_TTL_MS, type DistributedKeys} from './keys.js'

/** The agents whose heartbeat is current, in registration order; the dead are pruned from the list. */
export async function liveAgents(client: Redis, keys: DistributedKeys): Promise<AgentInfo[]> {
  const ids = await client.zrange(keys.agents(), '0', '-1')
  const infos = await Promise.all(ids.map((id) => client.hgetall(keys.agent(id))))
  const dead = ids.filter((_, i) => !parseAgentInfo(infos[i]!))
  if (dead.length > 0) await client.zrem(keys.agents(), ...dead)
  return infos.flatMap((h) => parseAgentInfo(h) ?? [])
}

// Deletes a claim only if it is still this run's: a claim that expired may have been taken since.
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`

/** Gives back claims of `run` (a coordinator that could not get enough agents, or is done). */
export async function releaseClaims(client: Redis, keys: DistributedKeys, run: string, ids: string[]): Promise<void> {
  await Promise.all(ids.map((id) => client.eval(RELEASE, 1, keys.claim(id), run)))
}

export interface ClaimOptions {
  /** How many agents; undefined: every idle agent there is (at least one). */
  count?: number
  /** How long to wait for enough idle agents. */
  waitMs: number
  /** Where Redis is, for messages. */
  url: string
  sleep(ms: number): Promise<void>
  now(): number
}

/**
 * Claims agents for `run`: SET NX on each idle live agent's claim key, so two coordinators never
 * share an agent. Waits up to `waitMs` for `count` of them; without a count, takes every idle one
 * once at least one is there. Rejects with IMH_ERR_AGENTS_UNAVAILABLE, saying how many there were.
 */
export async function claimAgents(client: Redis, keys: DistributedKeys, run: string, o: ClaimOptions): Promise<AgentInfo[]> {
  const deadline = o.now() + o.waitMs
  const claimed: AgentInfo[] = []
  let seen: AgentInfo[] = []
  for (;;) {
    seen = await liveAgents(client, keys)
    for (const a of seen) {
      if (o.count !== undefined && claimed.length >= o.count) break
      if (claimed.some((c) => c.id === a.id) || a.state !== 'idle') continue
      if ((await client.set(keys.claim(a.id), run, 'PX', CLAIM_TTL_MS, 'NX')) === 'OK') claimed.push(a)
    }
    if (o.count === undefined ? claimed.length > 0 : claimed.length >= o.count) return claimed
    if (o.now() >= deadline) break
    await o.sleep(250)
  }
  await releaseClaims(client, keys, run, claimed.map((a) => a.id))
  const busy = seen.filter((a) => a.state !== 'idle').map((a) => `${a.id} (running ${a.state})`)
  const wanted = o.count === undefined ? 'an agent' : `${o.count} agent(s)`
  throw new ImhError('IMH_ERR_AGENTS_UNAVAILABLE', `wanted ${wanted} on ${o.url}, ${claimed.length} idle within ${(o.waitMs / 1000).toFixed(0)} s; ${seen.length} live${busy.length ? `, busy: ${busy.join(', ')}` : ''}. Start agents with: imh agent --redis ${o.url}`)
}
