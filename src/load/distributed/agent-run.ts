import {EventEmitter} from 'node:events'
import type {Redis} from 'ioredis'
import {shardShare} from '../executors/share.js'
import {startWorkers, type WorkerHandle, type WorkerPoolEvents} from '../worker-pool.js'
import {CLAIM_TTL_MS, type DistributedKeys, HEARTBEAT_MS} from './keys.js'
import type {AgentJob, DownMessage, UpMessage} from './messages.js'
import {StreamReader} from './stream-reader.js'
import {SequenceFilter, StreamWriter} from './stream-writer.js'
import {decodeMessage, encodeMessage} from './wire.js'

/**
 * One agent's share of a distributed run: forks its workers, relays their messages between them
 * and the run's streams (translating times between this host's clock and Redis's), keeps its
 * claim alive, and abandons the run when the coordinator's heartbeat expires.
 */
export class AgentRun {
  private readonly handles: WorkerHandle[]
  private readonly reader: StreamReader
  private readonly timer: NodeJS.Timeout
  private readonly upstream: StreamWriter
  private readonly downFilter = new SequenceFilter()
  private finished = false
  private resolveDone!: (reason: string) => void
  /** Resolves, with why, when the run is over for this agent: ended by the coordinator, or abandoned. */
  readonly done = new Promise<string>((resolve) => (this.resolveDone = resolve))

  /** `offsetMs`: Redis's clock minus this host's (redisClockOffset). */
  constructor(private readonly client: Redis, blocking: Redis, private readonly keys: DistributedKeys, private readonly agentId: string, private readonly job: AgentJob, private readonly offsetMs: number) {
    this.upstream = new StreamWriter(client, keys.up(job.run), agentId)
    const events = new EventEmitter<WorkerPoolEvents>()
    events.on('message', (k, m) => {
      const out = m.type === 'delta' ? {...m, atMs: m.atMs + offsetMs} : m
      this.up({from: job.offset + k, m: out})
    })
    events.on('lost', (k, reason) => this.up({from: job.offset + k, lost: `agent ${agentId}: ${reason}`}))
    const perWorker = Math.ceil(job.vusTotal / (job.shard.count * job.workers))
    this.handles = startWorkers(job.workers, events, perWorker, (k) => shardShare(job.shard, k, job.workers))
    this.reader = new StreamReader(blocking, keys.down(job.run), '0', (e) => {
      if (this.downFilter.fresh(e.fields.get('s')?.toString())) this.onDown(decodeMessage<DownMessage>(e.fields.get('m')!))
    })
    this.timer = setInterval(() => void this.beat(), HEARTBEAT_MS)
  }

  private up(m: UpMessage): void {
    this.upstream.write(encodeMessage(m))
  }

  private onDown(d: DownMessage): void {
    if ('end' in d) return void this.end('the coordinator ended the run')
    const m = d.m.type === 'start' ? {...d.m, startAtMs: d.m.startAtMs - this.offsetMs} : d.m
    for (const h of this.handles) {
      const index = this.job.offset + h.index
      if (d.to === index || (d.to === 'all' && d.except !== index)) h.send(m)
    }
  }

  private async beat(): Promise<void> {
    try {
      const [, alive] = await Promise.all([
        this.client.set(this.keys.claim(this.agentId), this.job.run, 'PX', CLAIM_TTL_MS),
        this.client.exists(this.keys.alive(this.job.run)),
      ])
      if (alive === 0) await this.end('the coordinator stopped (its heartbeat expired)')
    } catch {
      // Redis away for a moment: the next beat tries again; the coordinator judges liveness.
    }
  }

  /** Stops every worker and reading; the claim is given back. */
  async end(reason: string): Promise<void> {
    if (this.finished) return
    this.finished = true
    clearInterval(this.timer)
    for (const h of this.handles) h.kill()
    // The coordinator ended the run after every final report arrived; what is queued now is of no use.
    this.upstream.close()
    await this.reader.stop()
    await this.client.del(this.keys.claim(this.agentId)).catch(() => undefined)
    this.resolveDone(reason)
  }
}
