import {EventEmitter} from 'node:events'
import {availableParallelism, hostname} from 'node:os'
import type {RedisClient} from '../../common/redis-client.js'
import {distributedRedis} from './redis.js'
import {realClock} from '../clock.js'
import {type AgentInfo, agentInfo} from './agent-info.js'
import {AgentRun} from './agent-run.js'
import {AGENT_TTL_MS, DistributedKeys, HEARTBEAT_MS} from './keys.js'
import type {AgentJob} from './messages.js'
import {redisClockOffset} from './redis-clock.js'
import {StreamReader} from './stream-reader.js'
import {decodeMessage} from './wire.js'

export interface LoadAgentOptions {
  /** redis://… that coordinators and agents share. */
  url: string
  prefix?: string
  /** Its name in Redis and in reports; default host-pid. Unique among the agents of one Redis. */
  id?: string
  /** Worker processes per run; default one per core. */
  workers?: number
}

export interface LoadAgentEvents {
  'job-start': [{run: string; shard: string; workers: number}]
  'job-end': [{run: string; reason: string}]
  warning: [string]
}

/**
 * `imh agent`: a long-running load generator on one machine. It registers in Redis with a
 * heartbeat, waits on its jobs stream, runs one share of a run at a time (AgentRun), and goes back
 * to waiting. It judges nothing; the coordinator merges and decides, as with local workers.
 */
export class LoadAgent extends EventEmitter<LoadAgentEvents> {
  readonly info: AgentInfo
  private readonly redis: RedisClient
  private readonly keys: DistributedKeys
  private jobs: StreamReader | undefined
  private heartbeat: NodeJS.Timeout | undefined
  private current: AgentRun | undefined

  constructor(o: LoadAgentOptions) {
    super()
    this.redis = distributedRedis(o.url)
    this.keys = new DistributedKeys(o.prefix)
    this.info = agentInfo(o.id ?? `${hostname()}-${process.pid}`, o.workers ?? availableParallelism(), new Date())
  }

  /** Connects (IMH_ERR_REDIS_UNREACHABLE if it cannot), registers, and starts waiting for jobs. */
  async start(): Promise<this> {
    await this.redis.connect()
    const client = this.redis.client
    // Jobs added before this agent existed are not its own: read from the stream's newest entry on.
    const newest = await client.xrevrange(this.keys.jobs(this.info.id), '+', '-', 'COUNT', 1)
    await this.beat()
    await client.zadd(this.keys.agents(), Date.now(), this.info.id)
    this.heartbeat = setInterval(() => void this.beat(), HEARTBEAT_MS)
    this.jobs = new StreamReader(this.redis.duplicate(), this.keys.jobs(this.info.id), newest[0]?.[0] ?? '0-0', (e) => void this.onJob(decodeMessage<AgentJob>(e.fields.get('job')!)))
    return this
  }

  private async beat(): Promise<void> {
    const key = this.keys.agent(this.info.id)
    const state = this.current ? 'busy' : 'idle'
    try {
      await this.redis.client.multi().hset(key, {...this.info, state}).pexpire(key, AGENT_TTL_MS).zadd(this.keys.agents(), 'NX', Date.now(), this.info.id).exec()
    } catch (err) {
      this.emit('warning', `heartbeat failed: ${(err as Error).message}`)
    }
  }

  private async onJob(job: AgentJob): Promise<void> {
    const client = this.redis.client
    if (this.current) return void this.emit('warning', `job for run ${job.run} ignored: already running one`)
    // A job whose coordinator gave up (its claim expired or went to another run) is stale.
    if ((await client.get(this.keys.claim(this.info.id))) !== job.run) return void this.emit('warning', `job for run ${job.run} ignored: not claimed for it any more`)
    const {offsetMs} = await redisClockOffset(client, realClock)
    const run = new AgentRun(client, this.redis.duplicate(), this.keys, this.info.id, {...job, workers: this.info.workers}, offsetMs)
    this.current = run
    void this.beat()
    this.emit('job-start', {run: job.run, shard: `${job.shard.index}/${job.shard.count}`, workers: this.info.workers})
    const reason = await run.done
    this.current = undefined
    void this.beat()
    this.emit('job-end', {run: job.run, reason})
  }

  /** Stops a run in progress (its workers are killed), deregisters and disconnects. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat)
    await this.current?.end('the agent was stopped')
    await this.jobs?.stop()
    await this.redis.client.multi().del(this.keys.agent(this.info.id)).zrem(this.keys.agents(), this.info.id).exec().catch(() => undefined)
    await this.redis.close()
  }
}
