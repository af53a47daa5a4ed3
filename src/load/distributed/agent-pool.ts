import {randomBytes} from 'node:crypto'
import type {EventEmitter} from 'node:events'
import type {RedisClient} from '../../common/redis-client.js'
import {distributedRedis} from './redis.js'
import {realClock} from '../clock.js'
import {planFor, shardShare} from '../executors/index.js'
import {MetricsAggregate} from '../metrics/registry.js'
import type {AgentSummary, Clock, Profile} from '../types.js'
import type {WorkerHandle, WorkerPool, WorkerPoolEvents} from '../worker-pool.js'
import type {ToWorker} from '../worker-protocol.js'
import type {AgentInfo} from './agent-info.js'
import {claimAgents, releaseClaims} from './agent-directory.js'
import {COORDINATOR_TTL_MS, DistributedKeys, HEARTBEAT_MS} from './keys.js'
import type {AgentJob, DownMessage, UpMessage} from './messages.js'
import {redisClockOffset} from './redis-clock.js'
import {StreamReader} from './stream-reader.js'
import {SequenceFilter, StreamWriter} from './stream-writer.js'
import {decodeMessage, encodeMessage} from './wire.js'

export interface AgentPoolOptions {
  /** redis://… the agents registered in. */
  url: string
  prefix?: string
  /** How many agents; default every idle one. */
  agents?: number
  /** How long to wait for them. */
  waitMs: number
  clock?: Clock
}

interface AgentState {
  indices: number[]
  /** Which of its workers sent their final report. */
  finals: Set<number>
  lost: boolean
  /** Its own part of the figures (meta.agents). */
  figures: MetricsAggregate
}

/**
 * The coordinator's side of a distributed run (`imh load --distributed`): claims agents, gives each
 * its share (agent j of N, its worker k gets {worker: j + N·k, workers: N·W_j}, so the shares add
 * up to exactly the profile whatever each agent's worker count), and presents their workers to
 * LoadRun as a WorkerPool, the way local workers are: LoadRun merges and judges the same way.
 * Messages cross Redis streams; the agents' heartbeats tell when one is lost.
 */
export class AgentPool implements WorkerPool {
  readonly run = randomBytes(6).toString('hex')
  handles: WorkerHandle[] = []
  private readonly keys: DistributedKeys
  private readonly clock: Clock
  private agentsList: AgentInfo[] = []
  private offsetMs = 0
  private reader: StreamReader | undefined
  private timer: NodeJS.Timeout | undefined
  private events: EventEmitter<WorkerPoolEvents> | undefined
  /** Per agent id: its workers, final reports, loss and figures. */
  private readonly byAgent = new Map<string, AgentState>()
  /** Each worker's agent, by run-wide index: looked up for every message up. */
  private readonly agentOf = new Map<number, AgentState>()
  private closed = false
  private closing: Promise<void> | undefined
  private downstream: StreamWriter | undefined
  private readonly upFilter = new SequenceFilter()

  private constructor(private readonly redis: RedisClient, o: AgentPoolOptions) {
    this.keys = new DistributedKeys(o.prefix)
    this.clock = o.clock ?? realClock
  }

  /** Connects and claims the agents (IMH_ERR_REDIS_UNREACHABLE, IMH_ERR_AGENTS_UNAVAILABLE). */
  static async claim(o: AgentPoolOptions): Promise<AgentPool> {
    const redis = await distributedRedis(o.url).connect()
    const pool = new AgentPool(redis, o)
    try {
      pool.agentsList = await claimAgents(redis.client, pool.keys, pool.run, {count: o.agents, waitMs: o.waitMs, url: o.url, now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms))})
    } catch (err) {
      await redis.close()
      throw err
    }
    return pool
  }

  /** The agents claimed, in share order. */
  get claimed(): readonly AgentInfo[] {
    return this.agentsList
  }

  agents(): AgentSummary[] {
    const count = this.agentsList.length
    return this.agentsList.map((a, index) => {
      const figures = this.byAgent.get(a.id)?.figures
      return {id: a.id, host: a.host, cores: a.cores, workers: a.workers, shard: {index, count}, ...(figures ? {metrics: figures.summaries(), counters: figures.counters()} : {})}
    })
  }

  /** Starts the run on every claimed agent: LoadRun's pool factory. */
  async start(events: EventEmitter<WorkerPoolEvents>, profile: Profile): Promise<this> {
    this.events = events
    const client = this.redis.client
    this.offsetMs = (await redisClockOffset(client, this.clock)).offsetMs
    await client.set(this.keys.alive(this.run), '1', 'PX', COORDINATOR_TTL_MS)
    const count = this.agentsList.length
    const vusTotal = profile.scenarios.reduce((n, s) => n + planFor(s.spec).maxVUs, 0)
    let offset = 0
    const jobs: Array<[string, AgentJob]> = []
    for (const [index, a] of this.agentsList.entries()) {
      const indices: number[] = []
      for (let k = 0; k < a.workers; k++) {
        const i = offset + k
        indices.push(i)
        this.handles.push({index: i, share: shardShare({index, count}, k, a.workers), label: `agent ${a.id} worker ${k}`, send: (m) => this.down({to: i, m}), kill: () => {}})
      }
      const state: AgentState = {indices, finals: new Set(), lost: false, figures: new MetricsAggregate()}
      this.byAgent.set(a.id, state)
      for (const i of indices) this.agentOf.set(i, state)
      jobs.push([a.id, {run: this.run, shard: {index, count}, offset, workers: a.workers, vusTotal}])
      offset += a.workers
    }
    this.downstream = new StreamWriter(client, this.keys.down(this.run), 'coordinator')
    this.reader = new StreamReader(this.redis.duplicate(), this.keys.up(this.run), '0', (e) => {
      if (this.upFilter.fresh(e.fields.get('s')?.toString())) this.onUp(decodeMessage<UpMessage>(e.fields.get('m')!))
    })
    for (const [id, job] of jobs) await client.xadd(this.keys.jobs(id), 'MAXLEN', '~', 100, '*', 'job', encodeMessage(job))
    this.timer = setInterval(() => void this.watch(), HEARTBEAT_MS)
    return this
  }

  broadcast(m: ToWorker, except?: number): void {
    this.down({to: 'all', except, m})
  }

  private down(d: DownMessage): void {
    if (this.closed) return
    // Agents run on their own clocks: the start goes out on Redis's, and each maps it to its own.
    const out = 'm' in d && d.m.type === 'start' ? {...d, m: {...d.m, startAtMs: d.m.startAtMs + this.offsetMs}} : d
    this.downstream?.write(encodeMessage(out))
  }

  private onUp(u: UpMessage): void {
    if ('lost' in u) return void this.events?.emit('lost', u.from, u.lost)
    const m = u.m.type === 'delta' ? {...u.m, atMs: u.m.atMs - this.offsetMs} : u.m
    if (m.type === 'delta' || m.type === 'final') {
      const agent = this.agentOf.get(u.from)
      agent?.figures.addDelta(m.delta)
      if (m.type === 'final') agent?.finals.add(u.from)
    }
    this.events?.emit('message', u.from, m)
  }

  // Every second: the coordinator's own heartbeat, each agent's, and the up stream trimmed to what was read.
  private async watch(): Promise<void> {
    const client = this.redis.client
    try {
      await client.set(this.keys.alive(this.run), '1', 'PX', COORDINATOR_TTL_MS)
      if (this.reader && this.reader.position !== '0') await client.xtrim(this.keys.up(this.run), 'MINID', this.reader.position)
      for (const [id, a] of this.byAgent) {
        if (a.lost || a.finals.size === a.indices.length) continue
        const [alive, claim] = await Promise.all([client.exists(this.keys.agent(id)), client.get(this.keys.claim(id))])
        const why = alive === 0 ? 'it stopped reporting (no heartbeat for 3 s)' : claim !== this.run ? 'it no longer runs this run (restarted, or its claim expired)' : undefined
        if (!why || this.closed) continue
        a.lost = true
        this.events?.emit('agent-lost', id, a.indices, why)
      }
    } catch {
      // Redis away for a moment: judged again at the next second.
    }
  }

  /** Tells the agents the run is over, gives back the claims and disconnects; a second call waits for the first. */
  close(): Promise<void> {
    this.closing ??= this.shutDown()
    return this.closing
  }

  private async shutDown(): Promise<void> {
    this.down({end: true})
    this.closed = true
    clearInterval(this.timer)
    // The end must reach the agents before the connection goes (bounded: Redis may be gone).
    await Promise.race([this.downstream?.flushed(), new Promise((r) => setTimeout(r, 2000))])
    this.downstream?.close()
    await this.reader?.stop()
    const client = this.redis.client
    await client.multi().del(this.keys.alive(this.run)).pexpire(this.keys.up(this.run), 60_000).pexpire(this.keys.down(this.run), 60_000).exec().catch(() => undefined)
    await releaseClaims(client, this.keys, this.run, this.agentsList.map((a) => a.id)).catch(() => undefined)
    await this.redis.close()
  }
}
